import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SEXTANT_BIN } from '../definition';
import { parseCsv } from './csv';
import { readTableSchema, validateTable, type TableReport } from './validateTable';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-table-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

/** Runs the real `sextant component validate-table` on files. */
function cli(data: string, schema: string, report: string) {
  return spawnSync(
    process.execPath,
    [
      SEXTANT_BIN,
      'component',
      'validate-table',
      '--data',
      data,
      '--schema',
      schema,
      '--report',
      report,
    ],
    { encoding: 'utf8', cwd: dir },
  );
}

const SCHEMA = `columns:
  id: { type: integer, nullable: false, unique: true }
  age: { type: integer, min: 0, max: 120 }
  score: { type: number }
  country: { type: string, allowed: [us, uk, fr] }
  joined: { type: date }
rows: { min: 2, max: 100 }
`;

describe('CSV reader (RFC 4180)', () => {
  test('quoted fields hold commas, doubled quotes and line breaks; CRLF and a BOM are handled', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n';
    assert.deepEqual(parseCsv(text), [
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
    ]);
  });

  test('no final line break, and an empty last field', () => {
    assert.deepEqual(parseCsv('a,b\n1,'), [
      ['a', 'b'],
      ['1', ''],
    ]);
  });

  test('an unterminated quote is an error', () => {
    assert.throws(() => parseCsv('a\n"open'), /closing " is missing/);
  });
});

describe('sextant/validate-table', () => {
  test('a valid table: exit 0, a report with statistics per column', () => {
    const data = write(
      'good.csv',
      'id,age,score,country,joined\n1,34,0.5,us,2024-01-02\n2,,1.5,uk,2024-03-04\n3,50,2.5,us,2025-12-31\n',
    );
    const schema = write('schema.yaml', SCHEMA);
    const result = cli(data, schema, 'out/good.json');
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /3 row\(s\), valid/);
    const report = JSON.parse(
      fs.readFileSync(path.join(dir, 'out/good.json'), 'utf8'),
    ) as TableReport;
    assert.equal(report.ok, true);
    assert.equal(report.rows, 3);
    assert.deepEqual(report.columns.age, {
      count: 2,
      nulls: 1,
      distinct: 2,
      min: 34,
      max: 50,
      mean: 42,
    });
    assert.deepEqual(report.columns.score, {
      count: 3,
      nulls: 0,
      distinct: 3,
      min: 0.5,
      max: 2.5,
      mean: 1.5,
    });
    assert.deepEqual(report.columns.country, { count: 3, nulls: 0, distinct: 2 });
    assert.deepEqual(report.violations, []);
  });

  test('violations: exit 1, each rule named with its rows', () => {
    const data = write(
      'bad.csv',
      'id,age,score,country,extra\n1,34,x,us,a\n1,130,2,de,b\n,-1,3,uk,c\n',
    );
    const schema = write('schema-strict.yaml', `${SCHEMA}extra_columns: false\n`);
    const result = cli(data, schema, 'bad.json');
    assert.equal(result.status, 1);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'bad.json'), 'utf8')) as TableReport;
    assert.equal(report.ok, false);
    const found = report.violations.map((v) => [v.column, v.rule, v.rows ?? []]);
    assert.deepEqual(found, [
      ['joined', 'missing-column', []],
      ['extra', 'extra-column', []],
      ['id', 'nullable', [3]],
      ['id', 'unique', [2]],
      ['age', 'min', [3]],
      ['age', 'max', [2]],
      ['score', 'type', [1]],
      ['country', 'allowed', [2]],
    ]);
    assert.equal(report.violationCount, 8);
    assert.match(result.stdout, /8 violation\(s\)/);
    assert.match(result.stdout, /1 value\(s\) of 'country' not one of "us", "uk", "fr" \(rows 2\)/);
  });

  test('row-count bounds and ragged rows', () => {
    const report = validateTable(
      'a,b\n1,2\n3\n',
      readTableSchema('columns: { a: {}, b: {} }\nrows: { min: 5 }\n'),
    );
    assert.deepEqual(
      report.violations.map((v) => [v.rule, v.message]),
      [
        ['shape', '1 row(s) do not have 2 fields'],
        ['rows', '2 row(s), fewer than the minimum 5'],
      ],
    );
  });

  test('a bad schema is a readable error, not a report', () => {
    assert.throws(
      () => readTableSchema('columns: { a: { type: text } }\n'),
      /invalid table schema: \/columns\/a\/type/,
    );
    const schema = write('broken.yaml', 'columns:\n  a: { kind: 1 }\n');
    const result = cli(write('x.csv', 'a\n1\n'), schema, 'x.json');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /sextant: invalid table schema: .*'kind'/);
    assert.equal(fs.existsSync(path.join(dir, 'x.json')), false);
  });
});
