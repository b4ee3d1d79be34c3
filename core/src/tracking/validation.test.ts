import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LIMITS,
  checkDuplicateParams,
  toInteger,
  toNumber,
  validateBatchSize,
  validateKey,
  validateMetric,
  validateParam,
  validateTag,
} from './validation';

describe('validation', () => {
  it('accepts MLflow key characters and refuses path tricks', () => {
    for (const key of ['loss', 'train/loss', 'a.b-c_d e:f'])
      assert.equal(validateKey('metric', key), key);
    for (const key of [
      '',
      '../x',
      'a/../b',
      '/abs',
      'a\\b',
      'semi;colon',
      'x'.repeat(LIMITS.keyLength + 1),
    ]) {
      assert.throws(() => validateKey('param', key), /param/);
    }
  });

  it('parses numbers the way MLflow clients send them', () => {
    assert.equal(toNumber('NaN', 'v'), NaN);
    assert.equal(toNumber('Infinity', 'v'), Infinity);
    assert.equal(toNumber('-Infinity', 'v'), -Infinity);
    assert.equal(toNumber('1.5', 'v'), 1.5);
    assert.throws(() => toNumber('abc', 'v'), /invalid value/i);
    assert.equal(toInteger('123', 'step'), 123);
    assert.throws(() => toInteger(1.5, 'step'), /integer/);
    assert.throws(() => toInteger('1e3', 'step'), /integer/);
  });

  it('defaults step to 0 and timestamp to now', () => {
    const before = Date.now();
    const metric = validateMetric({ key: 'm', value: 2 });
    assert.equal(metric.step, 0);
    assert.ok(metric.timestamp >= before);
    assert.throws(() => validateMetric({ key: 'm' }), /value/);
  });

  it("enforces MLflow's batch limits with its wording", () => {
    validateBatchSize(1000, 0, 0);
    validateBatchSize(0, 100, 100);
    assert.throws(() => validateBatchSize(1001, 0, 0), /at most 1000 metrics. Got 1001/);
    assert.throws(() => validateBatchSize(0, 101, 0), /at most 100 params/);
    assert.throws(() => validateBatchSize(0, 0, 101), /at most 100 tags/);
    assert.throws(() => validateBatchSize(900, 100, 1), /in total/);
  });

  it("cuts values past MLflow's length limits, as MLflow's server does", () => {
    const param = validateParam({ key: 'p', value: 'x'.repeat(LIMITS.paramValueLength + 1) });
    assert.equal(param.value.length, LIMITS.paramValueLength);
    const tag = validateTag({ key: 't', value: 'y'.repeat(LIMITS.tagValueLength + 5) });
    assert.equal(tag.value.length, LIMITS.tagValueLength);
    assert.equal(validateParam({ key: 'p', value: 42 }).value, '42');
  });

  it('drops identical duplicate params and refuses conflicting ones', () => {
    assert.deepEqual(
      checkDuplicateParams([
        { key: 'a', value: '1' },
        { key: 'a', value: '1' },
      ]),
      [{ key: 'a', value: '1' }],
    );
    assert.throws(
      () =>
        checkDuplicateParams([
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ]),
      /Duplicate/,
    );
  });
});
