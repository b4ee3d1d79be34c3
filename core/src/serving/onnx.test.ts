import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServingError } from './errors';
import { rowsOf } from './onnx';

const COLUMNS = ['a', 'b'];
const WANT = [
  [1, 2],
  [3, 4],
];

describe('the ONNX runtime reads every input shape into rows of the signature', () => {
  it('from MLflow JSON, CSV and OIP tensors', () => {
    const items: Record<string, unknown>[] = [
      {
        mlflow: {
          dataframe_split: {
            columns: ['b', 'a'],
            data: [
              [2, 1],
              [4, 3],
            ],
          },
        },
      },
      { mlflow: { dataframe_split: { data: WANT } } },
      {
        mlflow: {
          dataframe_records: [
            { a: 1, b: 2 },
            { b: 4, a: 3 },
          ],
        },
      },
      {
        mlflow: {
          instances: [
            { a: 1, b: 2 },
            { a: 3, b: 4 },
          ],
        },
      },
      { mlflow: { inputs: { a: [1, 3], b: [2, 4] } } },
      { mlflow: { inputs: WANT } },
      { csv: 'b,a\n2,1\n4,3\n' },
      { oip: { inputs: [{ name: 'x', shape: [2, 2], data: [1, 2, 3, 4] }] } },
      {
        oip: {
          inputs: [
            { name: 'b', shape: [2], data: [2, 4] },
            { name: 'a', shape: [2], data: [1, 3] },
          ],
        },
      },
    ];
    for (const item of items) assert.deepEqual(rowsOf(item, COLUMNS), WANT, JSON.stringify(item));
  });

  it('refuses missing columns, text, params and wrong widths with 400', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ mlflow: { dataframe_records: [{ a: 1 }] } }, /row 0 has no column 'b'/],
      [{ mlflow: { dataframe_records: [{ a: 1, b: 'x' }] } }, /takes numbers; got "x"/],
      [{ mlflow: { inputs: WANT, params: { k: 1 } } }, /takes no params/],
      [{ mlflow: { dataframe_split: { columns: ['a'], data: [[1]] } } }, /missing column 'b'/],
      [
        { oip: { inputs: [{ name: 'x', shape: [1, 3], data: [1, 2, 3] }] } },
        /has 3 columns; the model takes 2/,
      ],
      [{ mlflow: { inputs: { a: [1, 2], b: [1] } } }, /different lengths/],
    ];
    for (const [item, message] of cases) {
      assert.throws(
        () => rowsOf(item, COLUMNS),
        (error: unknown) =>
          error instanceof ServingError && error.status === 400 && message.test(error.message),
        JSON.stringify(item),
      );
    }
  });
});
