import fs from 'node:fs';
import path from 'node:path';
import { invalid, notFound } from '../model/errors';
import type { FeedbackItem } from './model';
import { MAX_FEEDBACK_ITEMS, parseFeedbackItem } from './parse';

/** Splits CSV text into records (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += c;
  }
  if (quoted) throw invalid('the CSV file ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const COLUMNS = ['request_id', 'label', 'reward', 'value', 'time'];

/** Items from rows of named columns; `where(i)` names row i in errors. */
function itemsOf(rows: Record<string, unknown>[], where: (i: number) => string): FeedbackItem[] {
  if (rows.length > MAX_FEEDBACK_ITEMS) {
    throw invalid(`at most ${MAX_FEEDBACK_ITEMS} feedback rows per file; split it`);
  }
  return rows.map((row, i) => {
    const item: Record<string, unknown> = {};
    for (const c of COLUMNS) {
      const v = row[c];
      if (v === undefined || v === null || v === '') continue;
      item[c] = typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : v;
    }
    return parseFeedbackItem(item, where(i));
  });
}

function checkColumns(columns: readonly string[], file: string): void {
  if (!columns.includes('request_id')) {
    throw invalid(
      `${file}: no request_id column; the columns are request_id and one of label, reward, value (time optional)`,
    );
  }
  if (!columns.some((c) => c === 'label' || c === 'reward' || c === 'value')) {
    throw invalid(`${file}: give a label, reward or value column beside request_id`);
  }
}

/**
 * The feedback in a CSV or Parquet file (by extension): columns `request_id` and one of
 * `label`, `reward`, `value` (per row, exactly one filled), `time` optional; other columns are
 * ignored.
 * @throws SextantError RESOURCE_DOES_NOT_EXIST for a missing file, INVALID_PARAMETER_VALUE naming
 *   the row and field of any bad value.
 */
export async function readFeedbackFile(file: string): Promise<FeedbackItem[]> {
  if (!fs.existsSync(file)) throw notFound(`no file ${file}`);
  const name = path.basename(file);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') {
    const records = parseCsv(fs.readFileSync(file, 'utf8'));
    const header = (records.shift() ?? []).map((h) => h.trim());
    checkColumns(header, name);
    const rows = records.map((r, i) => {
      if (r.length !== header.length) {
        throw invalid(`${name} line ${i + 2}: ${r.length} fields, the header has ${header.length}`);
      }
      return Object.fromEntries(header.map((h, j) => [h, r[j]!.trim()]));
    });
    return itemsOf(rows, (i) => `${name} line ${i + 2}`);
  }
  if (ext === '.parquet') {
    const { parquetReadObjects, parquetMetadata, parquetSchema } = await import('hyparquet');
    const bytes = fs.readFileSync(file);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    let columns: string[];
    try {
      columns = parquetSchema(parquetMetadata(buffer)).children.map((c) => c.element.name);
    } catch (error) {
      throw invalid(`${name} is not a Parquet file: ${(error as Error).message}`);
    }
    checkColumns(columns, name);
    const rows = (await parquetReadObjects({
      file: buffer,
      columns: COLUMNS.filter((c) => columns.includes(c)),
    })) as Record<string, unknown>[];
    return itemsOf(rows, (i) => `${name} row ${i + 1}`);
  }
  throw invalid(`${name}: feedback files are .csv or .parquet`);
}
