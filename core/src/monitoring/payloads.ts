/**
 * The rows inside a logged request and its answer, whatever protocol carried them: MLflow's
 * scoring protocol (`dataframe_records`, `dataframe_split`, `instances`, `inputs`) and the Open
 * Inference Protocol (named tensors, or one 2-D tensor whose columns follow the features).
 */

type Json = unknown;

/** Calls `emit(row, feature index → value)` for each row of a request body; returns the rows. */
export function forEachInputRow(
  body: Json,
  features: readonly string[],
  emit: (value: (j: number) => unknown) => void,
): number {
  if (typeof body !== 'object' || body === null) return 0;
  const b = body as Record<string, Json>;
  if (Array.isArray(b.dataframe_records)) return records(b.dataframe_records, features, emit);
  if (typeof b.dataframe_split === 'object' && b.dataframe_split !== null) {
    const split = b.dataframe_split as { columns?: unknown; data?: unknown };
    if (!Array.isArray(split.data)) return 0;
    const columns = Array.isArray(split.columns) ? (split.columns as string[]) : features;
    const at = features.map((f) => columns.indexOf(f));
    for (const row of split.data as Json[][]) emit((j) => (at[j]! >= 0 ? row[at[j]!] : undefined));
    return split.data.length;
  }
  if (Array.isArray(b.instances)) return records(b.instances, features, emit);
  if (Array.isArray(b.inputs)) {
    const first = b.inputs[0] as Record<string, Json> | undefined;
    if (first && typeof first === 'object' && !Array.isArray(first) && 'datatype' in first) {
      return tensors(b.inputs as Tensor[], features, emit);
    }
    return records(b.inputs, features, emit);
  }
  if (typeof b.inputs === 'object' && b.inputs !== null) {
    const columns = b.inputs as Record<string, Json>;
    const data = features.map((f) => (Array.isArray(columns[f]) ? (columns[f] as Json[]) : []));
    const n = Math.max(0, ...data.map((d) => d.length));
    for (let i = 0; i < n; i++) emit((j) => data[j]![i]);
    return n;
  }
  return 0;
}

/** Rows as objects keyed by feature, or as arrays in the features' order. */
function records(
  rows: Json[],
  features: readonly string[],
  emit: (value: (j: number) => unknown) => void,
): number {
  for (const row of rows) {
    if (Array.isArray(row)) emit((j) => row[j]);
    else if (typeof row === 'object' && row !== null) {
      const r = row as Record<string, Json>;
      emit((j) => r[features[j]!]);
    } else emit(() => undefined);
  }
  return rows.length;
}

interface Tensor {
  name?: string;
  shape?: number[];
  data?: Json[];
}

/** OIP tensors: one per feature (named), or one 2-D tensor, row-major. */
function tensors(
  inputs: Tensor[],
  features: readonly string[],
  emit: (value: (j: number) => unknown) => void,
): number {
  const byName = new Map(inputs.map((t) => [t.name, t]));
  if (features.some((f) => byName.has(f))) {
    const data = features.map((f) => flat(byName.get(f)?.data));
    const n = Math.max(0, ...data.map((d) => d.length));
    for (let i = 0; i < n; i++) emit((j) => data[j]![i]);
    return n;
  }
  const t = inputs[0]!;
  const data = flat(t.data);
  const width = t.shape && t.shape.length >= 2 ? t.shape[t.shape.length - 1]! : features.length;
  const n = width > 0 ? Math.floor(data.length / width) : 0;
  for (let i = 0; i < n; i++) emit((j) => (j < width ? data[i * width + j] : undefined));
  return n;
}

const flat = (data: Json[] | undefined): Json[] =>
  !Array.isArray(data) ? [] : data.some(Array.isArray) ? (data.flat(Infinity) as Json[]) : data;

/** The predictions of an answer body, one per row (a row's first value when it has several). */
export function outputValues(body: Json): Json[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as Record<string, Json>;
  let values: Json[] = [];
  if (Array.isArray(b.predictions)) values = b.predictions;
  else if (Array.isArray(b.outputs)) {
    const first = b.outputs[0] as Tensor | undefined;
    const data = Array.isArray(first?.data) ? first.data : [];
    const shape = first?.shape ?? [];
    const width = shape.length >= 2 ? shape[shape.length - 1]! : 1;
    const all = flat(data);
    values = width > 1 ? all.filter((_, i) => i % width === 0) : all;
  } else if (Array.isArray(body)) values = body as Json[];
  return values.map((v) => {
    if (Array.isArray(v)) return v[0];
    if (typeof v === 'object' && v !== null) return Object.values(v)[0];
    return v;
  });
}
