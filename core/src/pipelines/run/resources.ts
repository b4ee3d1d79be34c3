import fs from 'node:fs';
import os from 'node:os';
import type { StepResources } from '../../model/pipeline';

/** What the machine offers to local steps at once. */
export interface Capacity {
  cpu: number;
  gpu: number;
  memoryMb: number;
}

/** GPUs this process may use: `CUDA_VISIBLE_DEVICES` when set, else NVIDIA devices the driver lists. */
export function detectGpus(env: NodeJS.ProcessEnv = process.env): number {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) {
    return visible.trim() === '' || visible.trim() === '-1'
      ? 0
      : visible.split(',').filter((d) => d.trim() !== '').length;
  }
  try {
    return fs.readdirSync('/proc/driver/nvidia/gpus').length;
  } catch {
    return 0;
  }
}

/** The local machine: its cores (`os.availableParallelism()`), GPUs and memory. */
export function machineCapacity(): Capacity {
  return {
    cpu: os.availableParallelism(),
    gpu: detectGpus(),
    memoryMb: Math.floor(os.totalmem() / (1024 * 1024)),
  };
}

/**
 * What a step declares, clamped to `capacity`: a step that declares more than the machine has
 * runs alone instead of never.
 */
export function clampTo(capacity: Capacity, declared: StepResources): Capacity {
  return {
    cpu: Math.min(Math.max(declared.cpu, 0), capacity.cpu),
    gpu: Math.min(Math.max(declared.gpu, 0), capacity.gpu),
    memoryMb: Math.min(Math.max(declared.memoryMb, 0), capacity.memoryMb),
  };
}

interface Waiter {
  need: Capacity;
  grant: () => void;
  /** Leaves the queue with the signal's reason. */
  abort: (reason: unknown) => void;
}

/** The waiters of one abort signal, and the one listener the pool holds on it. */
interface Watched {
  waiters: Set<Waiter>;
  onAbort: () => void;
}

/**
 * Hands out the machine's resources to steps, first come first served: a step waits until what
 * it declares is free. A step that declares more than the machine has is clamped to the whole
 * machine, so it runs alone instead of never.
 */
export class ResourcePool {
  private readonly free: Capacity;
  private readonly queue: Waiter[] = [];
  /**
   * One abort listener per signal, however many steps wait on it: a pipeline run's steps all
   * wait with the run's signal, and a listener each would be thousands on one signal.
   */
  private readonly watched = new Map<AbortSignal, Watched>();

  constructor(readonly capacity: Capacity) {
    this.free = { ...capacity };
  }

  /** What `declared` asks of this pool, clamped to its capacity. */
  clamp(declared: StepResources): Capacity {
    return clampTo(this.capacity, declared);
  }

  /** Resolves once the resources are held; call the returned function to give them back. */
  acquire(declared: StepResources, signal?: AbortSignal): Promise<() => void> {
    const need = this.clamp(declared);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.free.cpu += need.cpu;
        this.free.gpu += need.gpu;
        this.free.memoryMb += need.memoryMb;
        this.drain();
      };
      const waiter: Waiter = {
        need,
        grant: () => {
          if (signal) this.unwatch(signal, waiter);
          resolve(release);
        },
        abort: (reason) => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(reason ?? new Error('aborted'));
        },
      };
      if (signal) this.watch(signal, waiter);
      this.queue.push(waiter);
      this.drain();
    });
  }

  private watch(signal: AbortSignal, waiter: Waiter): void {
    let watched = this.watched.get(signal);
    if (!watched) {
      const entry: Watched = {
        waiters: new Set(),
        onAbort: () => {
          this.watched.delete(signal);
          for (const w of entry.waiters) w.abort(signal.reason);
          this.drain();
        },
      };
      watched = entry;
      this.watched.set(signal, entry);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    watched.waiters.add(waiter);
  }

  private unwatch(signal: AbortSignal, waiter: Waiter): void {
    const watched = this.watched.get(signal);
    if (!watched) return;
    watched.waiters.delete(waiter);
    if (watched.waiters.size === 0) {
      this.watched.delete(signal);
      signal.removeEventListener('abort', watched.onAbort);
    }
  }

  /** Resources not held by any step now. */
  available(): Capacity {
    return { ...this.free };
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Waiter;
      const { need } = head;
      if (
        need.cpu > this.free.cpu ||
        need.gpu > this.free.gpu ||
        need.memoryMb > this.free.memoryMb
      ) {
        return;
      }
      this.queue.shift();
      this.free.cpu -= need.cpu;
      this.free.gpu -= need.gpu;
      this.free.memoryMb -= need.memoryMb;
      head.grant();
    }
  }
}
