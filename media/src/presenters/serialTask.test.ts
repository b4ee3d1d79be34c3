import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialTask } from './serialTask';

test('SerialTask runs once more for any number of requests made while it runs', async () => {
  let runs = 0;
  let release: () => void = () => undefined;
  const task = new SerialTask(
    () => {
      runs += 1;
      return new Promise<void>((resolve) => (release = resolve));
    },
    () => undefined,
  );
  const first = task.request();
  const second = task.request();
  void task.request();
  release();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all([first, second]);
  assert.equal(runs, 2);
});

test('SerialTask reports errors and keeps working', async () => {
  const errors: unknown[] = [];
  let fail = true;
  const task = new SerialTask(
    async () => {
      if (fail) throw new Error('boom');
    },
    (e) => errors.push(e),
  );
  await task.request();
  fail = false;
  await task.request();
  assert.equal(errors.length, 1);
});
