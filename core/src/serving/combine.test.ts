import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineResults } from './combine';

describe('combineResults', () => {
  it('averages MLflow predictions element by element, nested alike', () => {
    assert.deepEqual(
      combineResults('average', [{ predictions: [1, 2, [3]] }, { predictions: [3, 4, [5]] }]),
      { predictions: [2, 3, [4]] },
    );
    assert.deepEqual(
      combineResults('average', [
        { predictions: [{ y: 1 }, { y: 2 }] },
        { predictions: [{ y: 3 }, { y: 6 }] },
      ]),
      { predictions: [{ y: 2 }, { y: 4 }] },
    );
  });

  it('votes by majority, a tie going to the earliest step', () => {
    assert.deepEqual(
      combineResults('vote', [
        { predictions: ['a', 1, 0] },
        { predictions: ['b', 2, 1] },
        { predictions: ['b', 3, 1] },
      ]),
      { predictions: ['b', 1, 1] },
    );
  });

  it('combines OIP outputs tensor by tensor, by name', () => {
    const tensor = (data: number[]) => ({ name: 'y', shape: [2], datatype: 'INT64', data });
    assert.deepEqual(
      combineResults('average', [{ outputs: [tensor([1, 2])] }, { outputs: [tensor([2, 2])] }]),
      { outputs: [{ name: 'y', shape: [2], datatype: 'FP64', data: [1.5, 2] }] },
    );
    assert.deepEqual(
      combineResults('vote', [
        { outputs: [tensor([1, 2])] },
        { outputs: [tensor([2, 2])] },
        { outputs: [tensor([2, 0])] },
      ]),
      { outputs: [{ name: 'y', shape: [2], datatype: 'INT64', data: [2, 2] }] },
    );
  });

  it('refuses answers that do not line up, saying why', () => {
    assert.throws(
      () => combineResults('average', [{ predictions: [1, 2] }, { predictions: [1] }]),
      /differ in length \(2, 1\)/,
    );
    assert.throws(
      () => combineResults('average', [{ predictions: ['a'] }, { predictions: ['b'] }]),
      /average needs numbers.*use vote/,
    );
    assert.throws(
      () => combineResults('vote', [{ predictions: [1] }, { outputs: [] }]),
      /different protocols/,
    );
  });
});
