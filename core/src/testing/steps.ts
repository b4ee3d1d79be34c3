/** Test helpers: hand-made steps and a process check, for tests only (no build ships `testing/`). */
import fs from 'node:fs';
import type { ResolvedStep } from '../model/pipeline';

/** A placeholder source location for hand-made steps and pipelines. */
export const testLocation = {
  file: '/x',
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
};

/** A resolved local step with the defaults the spec loader fills in, and `extra` over them. */
export const testStep = (run: string, extra: Partial<ResolvedStep> = {}): ResolvedStep => ({
  name: 's',
  run,
  wd: '.',
  deps: [],
  params: [],
  outputs: [],
  metrics: [],
  artifacts: [],
  environment: { vars: {} },
  resources: { cpu: 1, gpu: 0, memoryMb: 0 },
  compute: 'local',
  retries: 0,
  upstream: [],
  location: testLocation,
  ...extra,
});

/** Whether a process exists and is not a zombie (Linux `/proc`). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
};
