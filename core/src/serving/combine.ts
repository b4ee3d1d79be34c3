import { ServingError } from './errors';
import type { WorkerResult } from './worker';

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/** Element by element over values of one structure (arrays and objects nested alike). */
function zip(values: unknown[], leaf: (xs: unknown[]) => unknown, at = 'predictions'): unknown {
  const first = values[0];
  if (Array.isArray(first)) {
    if (!values.every((v) => Array.isArray(v) && v.length === first.length)) {
      throw new ServingError(
        500,
        `the steps' ${at} differ in length (${values.map((v) => (Array.isArray(v) ? v.length : 'not a list')).join(', ')}); they cannot be combined`,
      );
    }
    return first.map((_, i) =>
      zip(
        values.map((v) => (v as unknown[])[i]),
        leaf,
        `${at}[${i}]`,
      ),
    );
  }
  if (typeof first === 'object' && first !== null) {
    const keys = Object.keys(first);
    return Object.fromEntries(
      keys.map((k) => [
        k,
        zip(
          values.map((v) => (v as Record<string, unknown> | null)?.[k]),
          leaf,
          `${at}.${k}`,
        ),
      ]),
    );
  }
  return leaf(values);
}

function mean(xs: unknown[]): number {
  if (!xs.every((x) => typeof x === 'number')) {
    throw new ServingError(
      500,
      `average needs numbers from every step; got ${xs.map((x) => JSON.stringify(x)).join(', ')} (use vote for labels)`,
    );
  }
  return (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
}

/** The value most steps gave; a tie goes to the value given first (by step order). */
function majority(xs: unknown[]): unknown {
  const counts = new Map<string, { value: unknown; count: number; first: number }>();
  xs.forEach((x, i) => {
    const key = JSON.stringify(x);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { value: x, count: 1, first: i });
  });
  let best: { value: unknown; count: number; first: number } | undefined;
  for (const entry of counts.values()) {
    if (!best || entry.count > best.count) best = entry;
  }
  return best!.value;
}

/**
 * The answer of an ensemble from its steps' answers: the element-wise mean (`average`) or
 * majority (`vote`, ties to the earliest step) of MLflow predictions, or of each OIP output
 * tensor by name.
 * @throws ServingError 500 when the answers do not line up (lengths, names, non-numbers).
 */
export function combineResults(how: 'average' | 'vote', results: WorkerResult[]): WorkerResult {
  const leaf = how === 'average' ? mean : majority;
  if (results.every((r) => 'predictions' in r)) {
    return {
      predictions: zip(
        results.map((r) => (r as { predictions: unknown }).predictions),
        leaf,
      ),
    };
  }
  if (results.every((r) => 'outputs' in r)) {
    const sets = results.map((r) => (r as { outputs: Tensor[] }).outputs);
    return {
      outputs: sets[0]!.map((tensor) => {
        const same = sets.map((set) => set.find((t) => t.name === tensor.name));
        if (same.some((t) => t === undefined)) {
          throw new ServingError(
            500,
            `output '${tensor.name}' is missing from a step's answer; the steps cannot be combined`,
          );
        }
        return {
          name: tensor.name,
          shape: tensor.shape,
          datatype: how === 'average' ? 'FP64' : tensor.datatype,
          data: zip(
            same.map((t) => t!.data),
            leaf,
            tensor.name,
          ) as unknown[],
        };
      }),
    };
  }
  throw new ServingError(500, 'the steps answered in different protocols; they cannot be combined');
}
