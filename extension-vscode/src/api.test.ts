import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coalescer, Emitter } from './api';

test('Coalescer runs once more for any number of requests made while it runs', async () => {
  let runs = 0;
  let release: () => void = () => undefined;
  const coalescer = new Coalescer(
    () => {
      runs += 1;
      return new Promise<void>((resolve) => (release = resolve));
    },
    () => undefined,
  );
  const first = coalescer.request();
  const second = coalescer.request();
  void coalescer.request();
  release();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all([first, second]);
  assert.equal(runs, 2);
});

test('Coalescer reports errors and keeps working', async () => {
  const errors: unknown[] = [];
  let fail = true;
  const coalescer = new Coalescer(
    async () => {
      if (fail) throw new Error('boom');
    },
    (e) => errors.push(e),
  );
  await coalescer.request();
  fail = false;
  await coalescer.request();
  assert.equal(errors.length, 1);
});

test('Emitter stops calling a disposed listener', () => {
  const emitter = new Emitter<number>();
  const seen: number[] = [];
  const sub = emitter.event((n) => seen.push(n));
  emitter.fire(1);
  sub.dispose();
  emitter.fire(2);
  assert.deepEqual(seen, [1]);
});
