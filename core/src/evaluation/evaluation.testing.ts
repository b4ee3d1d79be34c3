import { setTimeout as delay } from 'node:timers/promises';
import { processAlive } from '../compute';

/** The Python the tests start workers with. */
export const TEST_PYTHON = process.env.SEXTANT_PYTHON || 'python3';

/** Whether process `pid` is gone within 2.5 s (a killed process takes a moment to be reaped). */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!processAlive(pid)) return true;
    await delay(50);
  }
  return false;
}
