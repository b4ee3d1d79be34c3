/**
 * The rows inside a logged request and its answer, whatever protocol carried them: MLflow's
 * scoring protocol (`dataframe_records`, `dataframe_split`, `instances`, `inputs`) and the Open
 * Inference Protocol (named tensors, or one 2-D tensor whose columns follow the features).
 */

type Json = unknown;

/**
 * Takes one row: an object keyed by feature name, or an array in the features' order. No
 * closure per row: a window of a million requests calls this a million times.
 */
export type RowSink = (
  row: Readonly<Record<string, Json>> | readonly Json[],
  byName: boolean,
) => void;

/** Calls `emit` for each row of a request body; returns the rows. */
export function forEachInputRow(body: Json, features: readonly string[], emit: RowSink): number {
  if (typeof body !== 'object' || body === null) return 0;
  const b = body as Record<string, Json>;
  if (Array.isArray(b.dataframe_records)) return records(b.dataframe_records, emit);
  if (typeof b.dataframe_split === 'object' && b.dataframe_split !== null) {
    const split = b.dataframe_split as { columns?: unknown; data?: unknown };
    if (!Array.isArray(split.data)) return 0;
    const columns = Array.isArray(split.columns) ? (split.columns as string[]) : features;
    const at = features.map((f) => columns.indexOf(f));
    const inOrder = at.every((k, j) => k === j);
    for (const row of split.data as Json[][]) {
      if (!Array.isArray(row)) emit([], false);
      else emit(inOrder ? row : at.map((k) => (k >= 0 ? row[k] : undefined)), false);
    }
    return split.data.length;
  }
  if (Array.isArray(b.instances)) return records(b.instances, emit);
  if (Array.isArray(b.inputs)) {
    const first = b.inputs[0] as Record<string, Json> | undefined;
    if (first && typeof first === 'object' && !Array.isArray(first) && 'datatype' in first) {
      return tensors(b.inputs as Tensor[], features, emit);
    }
    return records(b.inputs, emit);
  }
  if (typeof b.inputs === 'object' && b.inputs !== null) {
    const columns = b.inputs as Record<string, Json>;
    return columnar(
      features.map((f) => (Array.isArray(columns[f]) ? (columns[f] as Json[]) : [])),
      emit,
    );
  }
  return 0;
}

/** Rows as objects keyed by feature, or as arrays in the features' order. */
function records(rows: Json[], emit: RowSink): number {
  for (const row of rows) {
    if (Array.isArray(row)) emit(row, false);
    else if (typeof row === 'object' && row !== null) emit(row as Record<string, Json>, true);
    else emit([], false);
  }
  return rows.length;
}

/** Columns (one array per feature) as rows. */
function columnar(data: Json[][], emit: RowSink): number {
  const n = Math.max(0, ...data.map((d) => d.length));
  for (let i = 0; i < n; i++)
    emit(
      data.map((d) => d[i]),
      false,
    );
  return n;
}

interface Tensor {
  name?: string;
  shape?: number[];
  data?: Json[];
}

/** OIP tensors: one per feature (named), or one 2-D tensor, row-major. */
function tensors(inputs: Tensor[], features: readonly string[], emit: RowSink): number {
  const byName = new Map(inputs.map((t) => [t.name, t]));
  if (features.some((f) => byName.has(f))) {
    return columnar(
      features.map((f) => flat(byName.get(f)?.data)),
      emit,
    );
  }
  const t = inputs[0]!;
  const data = flat(t.data);
  const width = t.shape && t.shape.length >= 2 ? t.shape[t.shape.length - 1]! : features.length;
  const n = width > 0 ? Math.floor(data.length / width) : 0;
  for (let i = 0; i < n; i++) emit(data.slice(i * width, (i + 1) * width), false);
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
