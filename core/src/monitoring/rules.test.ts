import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMetricName, defaultComparison, holds, ruleTransition, type AlertRule } from './rules';

const rule: AlertRule = {
  name: 'drift',
  monitor: 'm',
  metric: 'drift_share',
  op: '>=',
  threshold: 0.5,
  for: 3,
  severity: 'warning',
};

/** Replays windows through the state machine, as the service does; returns the transitions. */
function replay(r: AlertRule, values: (number | undefined)[]): string[] {
  const history: Record<string, number>[] = [];
  let firing = false;
  const out: string[] = [];
  values.forEach((value, i) => {
    history.push(value === undefined ? {} : { [r.metric]: value });
    const t = ruleTransition(r, history, firing);
    if (t) {
      firing = t.state === 'firing';
      out.push(`${i}:${t.state}`);
    }
  });
  return out;
}

describe('alert rules', () => {
  it('fire after N consecutive windows past the threshold, and resolve at the first one below', () => {
    assert.deepEqual(replay(rule, [0.6, 0.7, 0.2, 0.5, 0.9, 0.8, 0.8, 0.1, 0.6]), [
      '5:firing',
      '7:resolved',
    ]);
    assert.deepEqual(replay({ ...rule, for: 1 }, [0.1, 0.5, 0.4]), ['1:firing', '2:resolved']);
  });

  it('need every one of the N windows measured; a window without the metric changes nothing', () => {
    assert.deepEqual(replay(rule, [0.9, undefined, 0.9, 0.9]), []);
    assert.deepEqual(replay({ ...rule, for: 2 }, [0.9, 0.9, undefined, 0.1]), [
      '1:firing',
      '3:resolved',
    ]);
  });

  it('stay firing while the condition holds, and give the deciding values as evidence', () => {
    const history = [
      { drift_share: 0.1 },
      { drift_share: 0.6 },
      { drift_share: 0.7 },
      { drift_share: 0.55 },
    ];
    assert.deepEqual(ruleTransition(rule, history, false), {
      state: 'firing',
      value: 0.55,
      values: [0.6, 0.7, 0.55],
    });
    assert.equal(ruleTransition(rule, history, true), undefined);
  });

  it('compare with each operator; low-is-bad metrics default to <', () => {
    const m = { accuracy: 0.8 };
    assert.equal(holds({ metric: 'accuracy', op: '<', threshold: 0.9 }, m), true);
    assert.equal(holds({ metric: 'accuracy', op: '<=', threshold: 0.8 }, m), true);
    assert.equal(holds({ metric: 'accuracy', op: '>', threshold: 0.8 }, m), false);
    assert.equal(holds({ metric: 'accuracy', op: '>=', threshold: 0.8 }, m), true);
    assert.equal(holds({ metric: 'f1', op: '<', threshold: 0.9 }, m), undefined);
    assert.equal(defaultComparison('accuracy'), '<');
    assert.equal(defaultComparison('p99_latency_ms'), '>=');
  });

  it('know their metrics, per-feature ones by <metric>:<feature>', () => {
    assert.equal(
      checkMetricName('feature_drifted:petal length (cm)', 'x'),
      'feature_drifted:petal length (cm)',
    );
    assert.equal(checkMetricName('p99_latency_ms', 'x'), 'p99_latency_ms');
    assert.throws(
      () => checkMetricName('latency', 'alerts.a'),
      /alerts\.a: unknown metric 'latency'/,
    );
    assert.throws(() => checkMetricName('feature_drifted:', 'x'), /unknown metric/);
    assert.throws(() => checkMetricName('drift_share:x', 'x'), /unknown metric/);
  });
});
