import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter } from './api';

test('Emitter stops calling a disposed listener', () => {
  const emitter = new Emitter<number>();
  const seen: number[] = [];
  const sub = emitter.event((n) => seen.push(n));
  emitter.fire(1);
  sub.dispose();
  emitter.fire(2);
  assert.deepEqual(seen, [1]);
});
