/**
 * The features a monitor checks: names and kinds from a model version's MLflow signature (or a
 * reference file's columns), and growable typed columns that a window's values are read into.
 */
import type { ColumnKind } from './drift';
import type { Category } from './samples';

/** One monitored feature. */
export interface FeatureSpec {
  name: string;
  kind: ColumnKind;
  /** The signature's type (`double`, `long`, `string`, ...), when known. */
  type?: string;
}

const NUMERIC_TYPES = new Set(['double', 'float', 'long', 'integer', 'int']);
const INTEGER_TYPES = new Set(['long', 'integer', 'int']);

/** Whether a signature type holds whole numbers only. */
export const isIntegerType = (type: string | undefined): boolean =>
  type !== undefined && INTEGER_TYPES.has(type);

/**
 * The named columns of an MLflow signature's `inputs` (or `outputs`) JSON text; empty for a
 * tensor signature or none.
 */
export function signatureFeatures(json: string | undefined): FeatureSpec[] {
  if (!json) return [];
  let spec: unknown;
  try {
    spec = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(spec)) return [];
  const features: FeatureSpec[] = [];
  for (const column of spec as { name?: unknown; type?: unknown }[]) {
    if (typeof column?.name !== 'string' || typeof column.type !== 'string') continue;
    features.push({
      name: column.name,
      kind: NUMERIC_TYPES.has(column.type) ? 'numerical' : 'categorical',
      type: column.type,
    });
  }
  return features;
}

/** A column being filled: numbers in a growable Float64Array (NaN: missing), or categories. */
export class ColumnBuilder {
  private numbers: Float64Array;
  private readonly categories: (Category | null)[] = [];
  length = 0;
  /** Values of the wrong type for the column (a string in a numerical one, a fraction in an integer one). */
  invalidType = 0;
  /** Of those, the values that were no number at all (kept as missing in a numerical column). */
  invalidDropped = 0;

  constructor(
    readonly kind: ColumnKind,
    private readonly integer = false,
    capacity = 1024,
  ) {
    this.numbers = new Float64Array(kind === 'numerical' ? capacity : 0);
  }

  /** Appends one value as it came in a request (missing when null or undefined). */
  push(value: unknown): void {
    if (this.kind === 'categorical') {
      this.categories.push(
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? value
          : null,
      );
      this.length++;
      return;
    }
    if (this.length === this.numbers.length) {
      const grown = new Float64Array(Math.max(1024, this.numbers.length * 2));
      grown.set(this.numbers);
      this.numbers = grown;
    }
    let x = Number.NaN;
    if (typeof value === 'number') {
      x = value;
      if (this.integer && Number.isFinite(x) && !Number.isInteger(x)) this.invalidType++;
    } else if (value !== null && value !== undefined) {
      this.invalidType++;
      this.invalidDropped++;
    }
    this.numbers[this.length++] = x;
  }

  /** The values read so far. */
  values(): Float64Array | (Category | null)[] {
    return this.kind === 'numerical' ? this.numbers.subarray(0, this.length) : this.categories;
  }
}
