/**
 * Reference data for a model version's monitor: read from a CSV file (or a Parquet file,
 * converted by Python's pandas), its features chosen and typed by the version's signature, and
 * kept as a compact column set that the store holds and a window check prepares once.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { invalid, notFound } from '../model/errors';
import { ColumnBuilder, isIntegerType, type FeatureSpec } from './features';
import type { Category } from './samples';

/** A model version's reference: the features, the predictions, and their values. */
export interface ReferenceData {
  features: FeatureSpec[];
  /** The prediction column, when the data had one. */
  prediction?: FeatureSpec;
  rows: number;
  columns: Record<string, Float64Array | (Category | null)[]>;
}

/** Splits CSV text into records (RFC 4180: quotes, doubled quotes, CRLF); blank lines skipped. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const n = text.length;
  let i = 0;
  let record: string[] = [];
  while (i < n) {
    if (text.charCodeAt(i) === 34) {
      let field = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          field += text.slice(j);
          i = n;
          break;
        }
        field += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          field += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      record.push(field);
    } else {
      let j = i;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
      }
      record.push(text.slice(i, j));
      i = j;
    }
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      if (i === n) record.push('');
      continue;
    }
    i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
  }
  if (record.length > 0) records.push(record);
  return records;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MISSING = new Set(['', 'NA', 'NaN', 'nan', 'null', 'None']);

/** Options of {@link referenceFromTable}. */
export interface ReferenceColumns {
  /** The features (from the signature); all columns but the prediction and `exclude` when empty. */
  features: FeatureSpec[];
  /** The column holding the model's predictions on the data, if any. */
  prediction?: string;
  /** Columns that are no feature (a target, ids), when the features are inferred. */
  exclude?: string[];
}

/** Builds the reference of a table (a header and records). */
export function referenceFromTable(
  header: string[],
  records: string[][],
  options: ReferenceColumns,
  file: string,
): ReferenceData {
  const index = new Map(header.map((h, i) => [h, i]));
  const skip = new Set([
    ...(options.exclude ?? []),
    ...(options.prediction ? [options.prediction] : []),
  ]);
  const inferKind = (i: number): FeatureSpec['kind'] =>
    records.every((r) => MISSING.has(r[i] ?? '') || NUMBER.test(r[i]!))
      ? 'numerical'
      : 'categorical';
  const features: FeatureSpec[] =
    options.features.length > 0
      ? options.features
      : header
          .filter((h) => !skip.has(h))
          .map((name) => ({ name, kind: inferKind(index.get(name)!) }));
  const missing = features.filter((f) => !index.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    throw invalid(
      `${file} has no column ${missing.map((m) => `'${m}'`).join(', ')} of the model's signature; its columns are ${header.join(', ')}`,
    );
  }
  if (options.prediction && !index.has(options.prediction)) {
    throw invalid(`${file} has no prediction column '${options.prediction}'`);
  }
  const prediction: FeatureSpec | undefined = options.prediction
    ? { name: options.prediction, kind: inferKind(index.get(options.prediction)!) }
    : undefined;
  const columns: ReferenceData['columns'] = {};
  for (const spec of prediction ? [...features, prediction] : features) {
    const i = index.get(spec.name)!;
    const builder = new ColumnBuilder(spec.kind, isIntegerType(spec.type), records.length);
    for (const r of records) {
      const text = r[i] ?? '';
      if (MISSING.has(text)) builder.push(null);
      else if (spec.kind === 'numerical') builder.push(NUMBER.test(text) ? Number(text) : text);
      else builder.push(NUMBER.test(text) && prediction === spec ? Number(text) : text);
    }
    columns[spec.name] = builder.values();
  }
  return { features, ...(prediction ? { prediction } : {}), rows: records.length, columns };
}

/** A Parquet file as a header and records of text (missing values empty), read by hyparquet. */
async function readParquet(file: string): Promise<string[][]> {
  const { parquetReadObjects, parquetMetadata, parquetSchema } = await import('hyparquet');
  const bytes = await fs.readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let header: string[];
  try {
    header = parquetSchema(parquetMetadata(buffer)).children.map((c) => c.element.name);
  } catch (error) {
    throw invalid(`${file} is not a Parquet file: ${(error as Error).message}`);
  }
  const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  const text = (v: unknown): string =>
    v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v);
  return [header, ...rows.map((row) => header.map((h) => text(row[h])))];
}

/** Reads a CSV or Parquet file as reference data. */
export async function readReferenceFile(
  file: string,
  options: ReferenceColumns,
): Promise<ReferenceData> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.parquet') {
    throw invalid(`cannot read ${file}: reference data must be a .csv or .parquet file`);
  }
  let table: string[][];
  try {
    table = ext === '.csv' ? parseCsv(await fs.readFile(file, 'utf8')) : await readParquet(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw notFound(`the reference data ${file} does not exist`);
    }
    throw error;
  }
  const [header, ...records] = table;
  if (!header || records.length === 0) throw invalid(`${file} has no rows`);
  return referenceFromTable(header, records, options, file);
}

/** The reference as bytes for the store (gzip'd JSON; missing numbers as null). */
export function encodeReference(data: ReferenceData): Buffer {
  const columns: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(data.columns)) {
    columns[name] = Array.from(values as ArrayLike<unknown>, (v) =>
      typeof v === 'number' && !Number.isFinite(v) ? null : v,
    );
  }
  return gzipSync(Buffer.from(JSON.stringify({ ...data, columns })), { level: 1 });
}

/** The reference from its stored bytes. */
export function decodeReference(bytes: Buffer): ReferenceData {
  const raw = JSON.parse(gunzipSync(bytes).toString('utf8')) as ReferenceData & {
    columns: Record<string, (Category | null)[]>;
  };
  const columns: ReferenceData['columns'] = {};
  const all = raw.prediction ? [...raw.features, raw.prediction] : raw.features;
  for (const spec of all) {
    const values = raw.columns[spec.name] ?? [];
    columns[spec.name] =
      spec.kind === 'numerical'
        ? Float64Array.from(values, (v) => (typeof v === 'number' ? v : Number.NaN))
        : values;
  }
  return { ...raw, columns };
}
