import { badRequest } from './errors';
import type { TensorMetadata } from './oip';

/** One tensor of an Open Inference Protocol request or response. */
export interface OipTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
  parameters?: Record<string, unknown>;
}

/** An inference request as the protocol writes it. */
export interface OipRequest {
  inputs: OipTensor[];
  parameters?: Record<string, unknown>;
}

/** An upstream request translated from one worker item, and how to answer it. */
export interface Translated {
  request: OipRequest;
  /** `oip`: answer with the outputs; `mlflow`: with MLflow's `{"predictions"}`. */
  answer: 'oip' | 'mlflow';
}

/** The content type MLServer's pandas codec reads a request of columns with. */
const PANDAS = 'pd';

function datatypeOf(values: readonly unknown[], declared: string | undefined): string {
  if (declared) return declared;
  if (values.every((v) => typeof v === 'boolean')) return 'BOOL';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'INT64';
  if (values.every((v) => typeof v === 'number')) return 'FP64';
  return 'BYTES';
}

function coerce(values: readonly unknown[], datatype: string, column: string): unknown[] {
  if (datatype === 'BYTES') return values.map((v) => (typeof v === 'string' ? v : String(v)));
  if (datatype === 'BOOL') {
    return values.map((v) => {
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'True') return true;
      if (v === 'false' || v === 'False') return false;
      throw badRequest(`column '${column}' takes true or false; got ${JSON.stringify(v)}`);
    });
  }
  return values.map((v) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || Number.isNaN(n)) {
      throw badRequest(`column '${column}' takes numbers (${datatype}); got ${JSON.stringify(v)}`);
    }
    return n;
  });
}

/** The shape of a nested list (its first element's, level by level). */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let at = value;
  while (Array.isArray(at)) {
    shape.push(at.length);
    at = at[0];
  }
  return shape;
}

function tensorOf(name: string, value: unknown[], declared: TensorMetadata | undefined): OipTensor {
  const shape = shapeOf(value);
  const data = value.flat(Infinity);
  if (data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw badRequest(`input '${name}' is a ragged list: every row must have the same length`);
  }
  const datatype = datatypeOf(data, declared?.datatype);
  return { name, shape, datatype, data: coerce(data, datatype, name) };
}

/** Rows of named columns as one tensor per column (MLServer's pandas codec, Triton's per-input tensors). */
function columnsRequest(
  columns: readonly string[],
  rows: readonly unknown[][],
  metadata: readonly TensorMetadata[],
): OipRequest {
  const declared = new Map(metadata.map((t) => [t.name, t]));
  const missing = metadata.filter((t) => !columns.includes(t.name)).map((t) => `'${t.name}'`);
  if (missing.length > 0) {
    throw badRequest(
      `missing input ${missing.join(', ')}; the model takes ${metadata.map((t) => t.name).join(', ')}`,
    );
  }
  return {
    inputs: columns.map((column, j) => {
      const values = rows.map((row) => row[j]);
      const meta = declared.get(column);
      const datatype = datatypeOf(values, meta?.datatype);
      return {
        name: column,
        shape: meta && meta.shape.length === 2 ? [rows.length, 1] : [rows.length],
        datatype,
        data: coerce(values, datatype, column),
      };
    }),
    parameters: { content_type: PANDAS },
  };
}

function recordsRequest(records: unknown[], metadata: readonly TensorMetadata[]): OipRequest {
  const columns: string[] = [];
  records.forEach((record, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw badRequest(`record ${i} is not an object of column values`);
    }
    for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
  });
  const rows = records.map((record, i) =>
    columns.map((c) => {
      const value = (record as Record<string, unknown>)[c];
      if (value === undefined) throw badRequest(`record ${i} has no column '${c}'`);
      return value;
    }),
  );
  return columnsRequest(columns, rows, metadata);
}

function csvRows(text: string): { columns: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const columns = (lines.shift() ?? '').split(',').map((h) => h.trim());
  if (columns.length === 0 || columns[0] === '') throw badRequest('the CSV body has no header row');
  const rows = lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== columns.length) {
      throw badRequest(
        `CSV row ${i + 1} has ${cells.length} cells; the header has ${columns.length}`,
      );
    }
    return cells;
  });
  return { columns, rows };
}

const withParams = (request: OipRequest, params: unknown): OipRequest => {
  if (params === undefined) return request;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw badRequest("'params' must be an object");
  }
  return { ...request, parameters: { ...request.parameters, ...(params as object) } };
};

/**
 * The upstream OIP request for one worker item: an OIP item as it is; MLflow's scoring input
 * (`dataframe_split`, `dataframe_records`, `instances`, `inputs`, CSV) as one tensor per column
 * with the pandas content type, or one tensor for a list of rows (named after the upstream's
 * first input); its `params` as request parameters.
 * @throws ServingError 400 for an input that has no OIP form.
 */
export function toUpstream(
  item: Record<string, unknown>,
  metadata: readonly TensorMetadata[],
): Translated {
  if ('oip' in item) return { request: item.oip as OipRequest, answer: 'oip' };
  if ('csv' in item) {
    const { columns, rows } = csvRows(String(item.csv));
    return { request: columnsRequest(columns, rows, metadata), answer: 'mlflow' };
  }
  const body = item.mlflow as Record<string, unknown>;
  const done = (request: OipRequest): Translated => ({
    request: withParams(request, body.params),
    answer: 'mlflow',
  });
  const split = body.dataframe_split as { columns?: unknown; data?: unknown } | undefined;
  if (split !== undefined) {
    if (!Array.isArray(split.data) || !split.data.every((r) => Array.isArray(r))) {
      throw badRequest("dataframe_split needs 'data': a list of rows");
    }
    const rows = split.data as unknown[][];
    const width = rows[0]?.length ?? 0;
    const columns = Array.isArray(split.columns)
      ? split.columns.map(String)
      : metadata.length === width
        ? metadata.map((t) => t.name)
        : undefined;
    if (!columns)
      return done({ inputs: [tensorOf(metadata[0]?.name ?? 'input-0', rows, metadata[0])] });
    if (rows.some((r) => r.length !== columns.length)) {
      throw badRequest(`every row of dataframe_split must have ${columns.length} values`);
    }
    return done(columnsRequest(columns, rows, metadata));
  }
  if (body.dataframe_records !== undefined) {
    if (!Array.isArray(body.dataframe_records)) {
      throw badRequest('dataframe_records must be a list of records');
    }
    return done(recordsRequest(body.dataframe_records, metadata));
  }
  const given = body.instances ?? body.inputs;
  if (Array.isArray(given)) {
    if (
      given.length > 0 &&
      given.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
    ) {
      return done(recordsRequest(given, metadata));
    }
    return done({ inputs: [tensorOf(metadata[0]?.name ?? 'input-0', given, metadata[0])] });
  }
  if (typeof given === 'object' && given !== null) {
    const declared = new Map(metadata.map((t) => [t.name, t]));
    return done({
      inputs: Object.entries(given as Record<string, unknown>).map(([name, value]) =>
        tensorOf(name, Array.isArray(value) ? value : [value], declared.get(name)),
      ),
    });
  }
  throw badRequest('the input has no Open Inference Protocol form');
}

/** A flat list in a shape, as nested lists (row-major). */
export function reshape(data: readonly unknown[], shape: readonly number[]): unknown[] {
  if (shape.length <= 1) return [...data];
  const [, ...inner] = shape;
  const size = inner.reduce((a, b) => a * b, 1);
  const rows: unknown[] = [];
  for (let at = 0; at < data.length; at += size)
    rows.push(reshape(data.slice(at, at + size), inner));
  return rows;
}

/**
 * MLflow's predictions from an OIP response: one output as its (nested) list, a column of one
 * value per row flattened as MLflow writes a 1-D array; several outputs as records when the
 * response is a pandas frame, else as an object of lists by output name.
 */
export function toPredictions(
  outputs: readonly OipTensor[],
  parameters?: Record<string, unknown>,
): unknown {
  const valuesOf = (o: OipTensor): unknown[] =>
    o.shape.length === 2 && o.shape[1] === 1 ? [...o.data] : reshape(o.data, o.shape);
  if (outputs.length === 1) return valuesOf(outputs[0]!);
  if (parameters?.content_type === PANDAS) {
    const columns = outputs.map((o) => [o.name, valuesOf(o)] as const);
    const n = columns[0]?.[1].length ?? 0;
    return Array.from({ length: n }, (_, i) =>
      Object.fromEntries(columns.map(([name, v]) => [name, v[i]])),
    );
  }
  return Object.fromEntries(outputs.map((o) => [o.name, valuesOf(o)]));
}

/** Rows of one request's inputs (their common first dimension), or undefined when they differ. */
function rowsOf(request: OipRequest): number | undefined {
  const first = request.inputs[0]?.shape[0];
  return first !== undefined && request.inputs.every((t) => t.shape[0] === first)
    ? first
    : undefined;
}

/** Whether two requests' tensors can be stacked along their first dimension. */
function stackable(a: OipRequest, b: OipRequest): boolean {
  if (a.inputs.length !== b.inputs.length) return false;
  if (JSON.stringify(a.parameters ?? {}) !== JSON.stringify(b.parameters ?? {})) return false;
  return a.inputs.every((t, i) => {
    const u = b.inputs[i]!;
    return (
      t.name === u.name &&
      t.datatype === u.datatype &&
      t.shape.length === u.shape.length &&
      t.shape.slice(1).every((d, k) => d === u.shape[k + 1]) &&
      JSON.stringify(t.parameters ?? {}) === JSON.stringify(u.parameters ?? {})
    );
  });
}

/**
 * Several requests as one (dynamic batching upstream): their tensors stacked along the first
 * dimension, with each request's row count to cut the outputs back; undefined when they cannot be.
 */
export function stack(
  requests: readonly OipRequest[],
): { request: OipRequest; rows: number[] } | undefined {
  const first = requests[0];
  if (!first || requests.length < 2) return undefined;
  const rows = requests.map(rowsOf);
  if (rows.some((r) => r === undefined) || !requests.every((r) => stackable(first, r)))
    return undefined;
  return {
    request: {
      ...first,
      inputs: first.inputs.map((t, i) => ({
        ...t,
        shape: [rows.reduce((a: number, b) => a + b!, 0), ...t.shape.slice(1)],
        data: requests.flatMap((r) => r.inputs[i]!.data),
      })),
    },
    rows: rows as number[],
  };
}

/** A stacked response's outputs cut back per request; undefined when an output is not one row per row. */
export function unstack(
  outputs: readonly OipTensor[],
  rows: readonly number[],
): OipTensor[][] | undefined {
  const total = rows.reduce((a, b) => a + b, 0);
  if (!outputs.every((o) => o.shape[0] === total)) return undefined;
  const pieces: OipTensor[][] = rows.map(() => []);
  for (const o of outputs) {
    const size = o.shape.slice(1).reduce((a, b) => a * b, 1);
    let at = 0;
    rows.forEach((n, i) => {
      pieces[i]!.push({
        ...o,
        shape: [n, ...o.shape.slice(1)],
        data: o.data.slice(at * size, (at + n) * size),
      });
      at += n;
    });
  }
  return pieces;
}
