import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { parseCsv } from './csv';

/** Type a column's values must have. */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

/** What a column must satisfy. */
export interface ColumnRule {
  type?: ColumnType;
  /** Whether empty cells are allowed (default true). */
  nullable?: boolean;
  /** Least and greatest value (numbers and dates). */
  min?: number | string;
  max?: number | string;
  /** The only values allowed. */
  allowed?: (string | number | boolean)[];
  /** Whether every non-empty value must differ. */
  unique?: boolean;
}

/** A table schema: its columns, row-count bounds, and whether columns not listed are allowed. */
export interface TableSchema {
  columns: Record<string, ColumnRule>;
  rows?: { min?: number; max?: number };
  /** Columns not in `columns` are an error when false (default true). */
  extraColumns?: boolean;
  /** Cell texts that count as empty (default: the empty string). */
  nullValues?: string[];
}

/** Statistics of one column. */
export interface ColumnStats {
  /** Non-empty cells. */
  count: number;
  nulls: number;
  distinct: number;
  /** Numeric columns only. */
  min?: number;
  max?: number;
  mean?: number;
}

/** One rule a table breaks. */
export interface Violation {
  /** The column, absent for table-wide rules (row count, missing columns). */
  column?: string;
  rule:
    | 'missing-column'
    | 'extra-column'
    | 'shape'
    | 'type'
    | 'nullable'
    | 'min'
    | 'max'
    | 'allowed'
    | 'unique'
    | 'rows';
  message: string;
  /** Data rows (1 = the first row after the header) that break it, the first ten. */
  rows?: number[];
  /** How many cells or rows break it. */
  count: number;
}

/** The report `sextant component validate-table` writes. */
export interface TableReport {
  ok: boolean;
  rows: number;
  /** Number of violations, for a metrics reader. */
  violationCount: number;
  columns: Record<string, ColumnStats>;
  violations: Violation[];
}

const SCHEMA_OF_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['columns'],
  properties: {
    columns: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          type: { enum: ['string', 'integer', 'number', 'boolean', 'date'] },
          nullable: { type: 'boolean' },
          min: { type: ['number', 'string'] },
          max: { type: ['number', 'string'] },
          allowed: { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
          unique: { type: 'boolean' },
        },
      },
    },
    rows: {
      type: 'object',
      additionalProperties: false,
      properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
    },
    extra_columns: { type: 'boolean' },
    null_values: { type: 'array', items: { type: 'string' } },
  },
};

const validateSchemaFile = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
  SCHEMA_OF_SCHEMA,
);

/** Reads a table schema from YAML (`columns`, `rows`, `extra_columns`, `null_values`); throws a readable error. */
export function readTableSchema(text: string): TableSchema {
  const data: unknown = parseYaml(text);
  if (!validateSchemaFile(data)) {
    const problems = (validateSchemaFile.errors ?? [])
      .map(
        (e) =>
          `${e.instancePath || '/'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty: string }).additionalProperty)}'` : ''}`,
      )
      .join('; ');
    throw new Error(`invalid table schema: ${problems}`);
  }
  const raw = data as {
    columns: Record<string, ColumnRule | null>;
    rows?: { min?: number; max?: number };
    extra_columns?: boolean;
    null_values?: string[];
  };
  return {
    columns: Object.fromEntries(Object.entries(raw.columns).map(([k, v]) => [k, v ?? {}])),
    ...(raw.rows ? { rows: raw.rows } : {}),
    ...(raw.extra_columns !== undefined ? { extraColumns: raw.extra_columns } : {}),
    ...(raw.null_values ? { nullValues: raw.null_values } : {}),
  };
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The value of a cell for comparisons, or undefined when it is not of the type. */
function valueOf(cell: string, type: ColumnType): number | string | boolean | undefined {
  switch (type) {
    case 'string':
      return cell;
    case 'integer':
      return INTEGER.test(cell.trim()) ? Number(cell) : undefined;
    case 'number':
      return NUMBER.test(cell.trim()) ? Number(cell) : undefined;
    case 'boolean': {
      const lower = cell.trim().toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : undefined;
    }
    case 'date':
      return DATE.test(cell.trim()) && !Number.isNaN(Date.parse(cell.trim()))
        ? cell.trim()
        : undefined;
  }
}

class Tally {
  rows: number[] = [];
  count = 0;
  add(row: number): void {
    this.count++;
    if (this.rows.length < 10) this.rows.push(row);
  }
}

/** Checks CSV text (a header row, then data) against a table schema and measures every column. */
export function validateTable(csv: string, schema: TableSchema): TableReport {
  const records = parseCsv(csv);
  const header = records[0] ?? [];
  const data = records.slice(1);
  const nullValues = new Set(schema.nullValues ?? ['']);
  const violations: Violation[] = [];
  for (const name of Object.keys(schema.columns)) {
    if (!header.includes(name)) {
      violations.push({
        column: name,
        rule: 'missing-column',
        message: `column '${name}' is missing`,
        count: 1,
      });
    }
  }
  if (schema.extraColumns === false) {
    for (const name of header.filter((h) => !(h in schema.columns))) {
      violations.push({
        column: name,
        rule: 'extra-column',
        message: `column '${name}' is not in the schema`,
        count: 1,
      });
    }
  }
  const shape = new Tally();
  data.forEach((record, i) => {
    if (record.length !== header.length) shape.add(i + 1);
  });
  if (shape.count) {
    violations.push({
      rule: 'shape',
      message: `${shape.count} row(s) do not have ${header.length} fields`,
      rows: shape.rows,
      count: shape.count,
    });
  }
  const columns: Record<string, ColumnStats> = {};
  for (const [index, name] of header.entries()) {
    const rule: ColumnRule = schema.columns[name] ?? {};
    const type = rule.type ?? 'string';
    const tallies = {
      type: new Tally(),
      nullable: new Tally(),
      min: new Tally(),
      max: new Tally(),
      allowed: new Tally(),
      unique: new Tally(),
    };
    const seen = new Set<string>();
    const allowed = rule.allowed ? new Set(rule.allowed.map((a) => String(a))) : undefined;
    let count = 0;
    let nulls = 0;
    let sum = 0;
    let numeric = 0;
    let min: number | undefined;
    let max: number | undefined;
    data.forEach((record, i) => {
      const row = i + 1;
      const cell = record[index] ?? '';
      if (nullValues.has(cell)) {
        nulls++;
        if (rule.nullable === false) tallies.nullable.add(row);
        return;
      }
      count++;
      const value = valueOf(cell, type);
      if (value === undefined) {
        tallies.type.add(row);
        return;
      }
      if (typeof value === 'number') {
        numeric++;
        sum += value;
        min = min === undefined ? value : Math.min(min, value);
        max = max === undefined ? value : Math.max(max, value);
      }
      const key = typeof value === 'string' ? value : String(value);
      if (rule.unique && seen.has(key)) tallies.unique.add(row);
      seen.add(key);
      if (allowed && !allowed.has(String(value)) && !allowed.has(cell)) tallies.allowed.add(row);
      if (rule.min !== undefined && typeof value !== 'boolean' && value < rule.min)
        tallies.min.add(row);
      if (rule.max !== undefined && typeof value !== 'boolean' && value > rule.max)
        tallies.max.add(row);
    });
    columns[name] = {
      count,
      nulls,
      distinct: seen.size,
      ...(numeric > 0 ? { min: min!, max: max!, mean: sum / numeric } : {}),
    };
    const describe: Record<keyof typeof tallies, string> = {
      type: `not ${type === 'integer' ? 'an' : 'a'} ${type}`,
      nullable: 'empty, but the column is not nullable',
      min: `below the minimum ${String(rule.min)}`,
      max: `above the maximum ${String(rule.max)}`,
      allowed: `not one of ${(rule.allowed ?? []).map((a) => JSON.stringify(a)).join(', ')}`,
      unique: 'repeated, but the column is unique',
    };
    for (const [ruleName, tally] of Object.entries(tallies) as [keyof typeof tallies, Tally][]) {
      if (!tally.count) continue;
      violations.push({
        column: name,
        rule: ruleName,
        message: `${tally.count} value(s) of '${name}' ${describe[ruleName]} (rows ${tally.rows.join(', ')}${tally.count > tally.rows.length ? ', ...' : ''})`,
        rows: tally.rows,
        count: tally.count,
      });
    }
  }
  const rows = data.length;
  if (schema.rows?.min !== undefined && rows < schema.rows.min) {
    violations.push({
      rule: 'rows',
      message: `${rows} row(s), fewer than the minimum ${schema.rows.min}`,
      count: 1,
    });
  }
  if (schema.rows?.max !== undefined && rows > schema.rows.max) {
    violations.push({
      rule: 'rows',
      message: `${rows} row(s), more than the maximum ${schema.rows.max}`,
      count: 1,
    });
  }
  return {
    ok: violations.length === 0,
    rows,
    violationCount: violations.length,
    columns,
    violations,
  };
}

/** The report as text for a terminal. */
export function formatTableReport(report: TableReport, data: string): string {
  const lines = [
    report.ok
      ? `${data}: ${report.rows} row(s), valid`
      : `${data}: ${report.rows} row(s), ${report.violationCount} violation(s):`,
    ...report.violations.map((v) => `  - ${v.message}`),
  ];
  return `${lines.join('\n')}\n`;
}
