import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateCondition, parseCondition } from './condition';

const holds = (text: string, request: unknown): boolean =>
  evaluateCondition(parseCondition(text), request);

const request = {
  params: { segment: 'premium', score: 0.8, tags: ['a', 'b'] },
  dataframe_records: [{ 'petal length (cm)': 1.4, age: 70 }],
  inputs: [{ name: 'x', data: [3, 4] }],
};

describe('switch conditions', () => {
  it('reads paths by field, index and quoted name', () => {
    assert.equal(holds('params.segment == "premium"', request), true);
    assert.equal(holds("params.segment == 'basic'", request), false);
    assert.equal(holds('dataframe_records[0]["petal length (cm)"] < 2.5', request), true);
    assert.equal(holds('dataframe_records.0.age >= 65', request), true);
    assert.equal(holds('inputs.0.data.1 == 4', request), true);
    assert.equal(holds('inputs[0].data[1] > -1', request), true);
  });

  it('combines with not, and, or and parentheses, and takes precedence as usual', () => {
    assert.equal(holds('params.score > 0.5 and not params.segment == "basic"', request), true);
    assert.equal(holds('params.score > 0.9 or params.segment == "premium"', request), true);
    assert.equal(holds('false and false or true', request), true);
    assert.equal(holds('false and (false or true)', request), false);
    assert.equal(holds('params.segment in ["gold", "premium"]', request), true);
    assert.equal(holds('"a" in params.tags', request), true);
    assert.equal(holds('params.score != 0.8', request), false);
  });

  it('treats a missing path as null and compares only like with like', () => {
    assert.equal(holds('params.nothing == null', request), true);
    assert.equal(holds('params.nothing > 1', request), false);
    assert.equal(holds('params.segment > 1', request), false);
    assert.equal(holds('params.nothing.deeper == null', {}), true);
    assert.equal(holds('params.score', request), true);
    assert.equal(holds('params.missing', request), false);
  });

  it('reads only the request: no prototype, no code', () => {
    assert.equal(holds('params.constructor == null', request), true);
    assert.equal(holds('params.__proto__ == null', request), true);
    assert.equal(holds('toString == null', request), true);
  });

  it('refuses text that is not a condition, saying where', () => {
    assert.throws(() => parseCondition(''), /empty/);
    assert.throws(() => parseCondition('a =='), /ends where a value was expected/);
    assert.throws(() => parseCondition('a == "open'), /not closed/);
    assert.throws(() => parseCondition('a == 1 b'), /unexpected 'b' at 8/);
    assert.throws(() => parseCondition('a = 1'), /unexpected '=' at 3/);
    assert.throws(() => parseCondition('process.exit(1)'), /unexpected '\(' at 13/);
    assert.throws(() => parseCondition('(a == 1'), /expected '\)'/);
    assert.throws(() => parseCondition('a[b] == 1'), /number or a quoted name/);
    assert.throws(() => parseCondition('x'.repeat(1001)), /longer than/);
  });
});
