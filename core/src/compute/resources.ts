import fs from 'node:fs';
import os from 'node:os';
import type { StepResources } from '../model/pipeline';

/** What the machine offers to local steps at once. */
export interface Capacity {
  cpu: number;
  gpu: number;
  memoryMb: number;
  /**
   * The GPUs by the names a step's `CUDA_VISIBLE_DEVICES` takes (indices, `GPU-…` or `MIG-…`
   * UUIDs); `0` to `gpu - 1` where absent or short.
   */
  gpuIds?: readonly string[];
}

/**
 * GPUs this process may use, as `CUDA_VISIBLE_DEVICES` names them: its entries when it is set
 * (none when it is empty or starts with `-1`, as CUDA reads it), else `0`, `1`, … for each NVIDIA
 * device the driver lists.
 */
export function visibleGpus(env: NodeJS.ProcessEnv = process.env): string[] {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) {
    const ids = visible
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== '');
    // CUDA stops at the first invalid entry; `-1` is the usual way to hide every device.
    const stop = ids.indexOf('-1');
    return stop >= 0 ? ids.slice(0, stop) : ids;
  }
  try {
    const count = fs.readdirSync('/proc/driver/nvidia/gpus').length;
    return Array.from({ length: count }, (_, i) => String(i));
  } catch {
    return [];
  }
}

/** The local machine: its cores (`os.availableParallelism()`), GPUs and memory. */
export function machineCapacity(): Capacity {
  const gpuIds = visibleGpus();
  return {
    cpu: os.availableParallelism(),
    gpu: gpuIds.length,
    memoryMb: Math.floor(os.totalmem() / (1024 * 1024)),
    gpuIds,
  };
}

/** The ids of `capacity`'s GPUs, one for each it counts. */
export function gpuIdsOf(capacity: Capacity): string[] {
  return Array.from({ length: capacity.gpu }, (_, i) => capacity.gpuIds?.[i] ?? String(i));
}

/**
 * The variables that give a step the GPUs it holds: `CUDA_VISIBLE_DEVICES` naming them, so two
 * steps that each declare a GPU do not share one. A step that declares none keeps what Sextant
 * was started with: it is not hidden from GPUs it did not declare.
 */
export function gpuVariables(gpus: readonly string[]): Record<string, string> {
  return gpus.length > 0 ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {};
}

/** Amounts of each resource, without naming the GPUs: a step's need, or what is free. */
export type Amounts = Omit<Capacity, 'gpuIds'>;

/**
 * What a step declares, clamped to `capacity`: a step that declares more than the machine has
 * runs alone instead of never.
 */
export function clampTo(capacity: Capacity, declared: StepResources): Amounts {
  return {
    cpu: Math.min(Math.max(declared.cpu, 0), capacity.cpu),
    gpu: Math.min(Math.max(declared.gpu, 0), capacity.gpu),
    memoryMb: Math.min(Math.max(declared.memoryMb, 0), capacity.memoryMb),
  };
}

/** What a step holds from a {@link ResourcePool}. */
export interface Held {
  /** The GPUs given to the step (see {@link gpuVariables}); empty when it declares none. */
  readonly gpus: readonly string[];
  /** Gives everything back; calling it again does nothing. */
  release(): void;
}

interface Waiter {
  need: Amounts;
  grant: (gpus: string[]) => void;
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
  /** Cores and memory no step holds. */
  private readonly free: Omit<Amounts, 'gpu'>;
  /** The GPUs no step holds, in the order they are handed out (their count is the free GPUs). */
  private readonly freeGpus: string[];
  private readonly queue: Waiter[] = [];
  /**
   * One abort listener per signal, however many steps wait on it: a pipeline run's steps all
   * wait with the run's signal, and a listener each would be thousands on one signal.
   */
  private readonly watched = new Map<AbortSignal, Watched>();

  constructor(readonly capacity: Capacity) {
    this.free = { cpu: capacity.cpu, memoryMb: capacity.memoryMb };
    this.freeGpus = gpuIdsOf(capacity);
  }

  /** What `declared` asks of this pool, clamped to its capacity. */
  clamp(declared: StepResources): Amounts {
    return clampTo(this.capacity, declared);
  }

  /** Resolves once the resources are held, with the GPUs given and how to give them back. */
  acquire(declared: StepResources, signal?: AbortSignal): Promise<Held> {
    const need = this.clamp(declared);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      const waiter: Waiter = {
        need,
        grant: (gpus) => {
          if (signal) this.unwatch(signal, waiter);
          let released = false;
          const release = (): void => {
            if (released) return;
            released = true;
            this.free.cpu += need.cpu;
            this.free.memoryMb += need.memoryMb;
            this.freeGpus.push(...gpus);
            this.drain();
          };
          resolve({ gpus, release });
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
  available(): Amounts {
    return { ...this.free, gpu: this.freeGpus.length };
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Waiter;
      const { need } = head;
      if (
        need.cpu > this.free.cpu ||
        need.gpu > this.freeGpus.length ||
        need.memoryMb > this.free.memoryMb
      ) {
        return;
      }
      this.queue.shift();
      this.free.cpu -= need.cpu;
      this.free.memoryMb -= need.memoryMb;
      head.grant(this.freeGpus.splice(0, need.gpu));
    }
  }
}
