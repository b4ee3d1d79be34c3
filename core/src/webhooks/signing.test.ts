import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { deliveryBody, pythonJson, pythonUtcIso } from './payloads';
import { signDelivery } from './signing';

describe('signDelivery', () => {
  it('is v1, and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"', () => {
    const body = '{"entity": "model_version", "action": "created"}';
    const expected = createHmac('sha256', 'top-secret')
      .update(`d-1.1700000000.${body}`)
      .digest('base64');
    assert.equal(signDelivery('top-secret', 'd-1', '1700000000', body), `v1,${expected}`);
  });

  it("matches the value Python's hmac gives for the same delivery (a fixed vector)", () => {
    assert.equal(
      signDelivery('s3cr3t', 'd-1', '1700000000', '{"a": "\u00e9"}'),
      'v1,Bk6xdqiuUek5UwxBMtyaIgSOXMBH/7w3TPdlbLoEkD4=',
    );
  });

  it('changes with each part signed', () => {
    const base = signDelivery('k', 'id', '1', 'body');
    assert.notEqual(signDelivery('k2', 'id', '1', 'body'), base);
    assert.notEqual(signDelivery('k', 'id2', '1', 'body'), base);
    assert.notEqual(signDelivery('k', 'id', '2', 'body'), base);
    assert.notEqual(signDelivery('k', 'id', '1', 'body2'), base);
  });
});

describe('delivery body', () => {
  it("writes JSON as Python's json.dumps does", () => {
    assert.equal(
      pythonJson({ a: 'é\u007f"\n', b: [1, null, true], c: { d: 1.5 } }),
      '{"a": "\\u00e9\\u007f\\"\\n", "b": [1, null, true], "c": {"d": 1.5}}',
    );
    assert.equal(pythonJson('😀'), '"\\ud83d\\ude00"');
  });

  it("wraps the data in MLflow's envelope with an isoformat UTC timestamp", () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    assert.equal(pythonUtcIso(now), '2026-01-02T03:04:05.678000+00:00');
    assert.equal(
      deliveryBody(
        {
          event: { entity: 'model_version_alias', action: 'deleted' },
          data: { name: 'm', alias: 'a' },
        },
        now,
      ),
      '{"entity": "model_version_alias", "action": "deleted", "timestamp": "2026-01-02T03:04:05.678000+00:00", "data": {"name": "m", "alias": "a"}}',
    );
  });
});
