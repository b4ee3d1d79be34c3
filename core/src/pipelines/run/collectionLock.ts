import fs from 'node:fs';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { SextantError } from '../../model/errors';
import { processAlive } from '../../compute';

/** How often a run waiting for a cache collection looks at its lock. */
const WAIT_POLL_MS = 100;
/** A lock file still without its holder after this long was left by a killed process. */
const UNWRITTEN_LOCK_MS = 10_000;

/** Who holds the lock, as its file says: `<pid>\n<host>\n`. */
export interface Holder {
  pid: number;
  host: string;
}

/**
 * The lock a cache collection holds while it removes files (`<store>/collecting.lock`): a run
 * waits for it before it reads or fills the cache, and a collection takes it before it checks
 * for runs in flight. A run records itself before it looks at the lock, and a collection takes
 * the lock before it looks for runs: whichever comes second sees the other, so a run never
 * restores from, or saves into, files being removed. A lock whose process is gone (a killed
 * collection) counts as free and is taken over.
 */
export class CollectionLock {
  constructor(private readonly file: string) {}

  /** Takes the lock; throws naming the live process that holds it. Answers the release. */
  take(): () => void {
    for (;;) {
      try {
        fs.writeFileSync(this.file, `${process.pid}\n${os.hostname()}\n`, { flag: 'wx' });
        return () => fs.rmSync(this.file, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = this.holder();
      if (holder) {
        throw new SextantError(
          'INVALID_STATE',
          `the cache is being cleaned by another Sextant process (${holder.pid} on ${holder.host}); wait for it to finish`,
        );
      }
      fs.rmSync(this.file, { force: true });
    }
  }

  /** Resolves once no live process holds the lock; rejects when `signal` aborts first. */
  async free(signal: AbortSignal): Promise<void> {
    while (this.holder()) {
      signal.throwIfAborted();
      await delay(WAIT_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Who holds the lock, while they may still be working (always when on another machine). */
  holder(): Holder | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    const [pid, host] = text.split('\n');
    const holder = { pid: Number(pid), host: host ?? '' };
    if (!Number.isInteger(holder.pid) || holder.pid <= 0 || !holder.host) {
      // Being written by its holder now, unless it was left so long ago (a holder killed then).
      const age = Date.now() - (fs.statSync(this.file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      return age < UNWRITTEN_LOCK_MS ? { pid: 0, host: 'this machine' } : undefined;
    }
    return holder.host !== os.hostname() || processAlive(holder.pid) ? holder : undefined;
  }
}
