interface Slot {
  pending: Set<string> | undefined;
  timer: NodeJS.Timeout;
}

/**
 * Rate-limits a stream of events per key: the first event of a key goes out at once, and the
 * events that follow within `intervalMs` are merged (their items unioned) into one that goes out
 * when the interval ends. So a training loop logging a thousand points a second yields at most
 * one flush per run per interval, and the last state always reaches the client.
 */
export class KeyedThrottle {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (key: string, items: Set<string>) => void,
  ) {}

  /** Records an event for `key` carrying `items` (e.g. metric keys). */
  add(key: string, items: Iterable<string> = []): void {
    const slot = this.slots.get(key);
    if (slot) {
      slot.pending ??= new Set();
      for (const item of items) slot.pending.add(item);
      return;
    }
    this.slots.set(key, { pending: undefined, timer: this.wait(key) });
    this.flush(key, new Set(items));
  }

  /** Drops pending events and stops the timers. */
  dispose(): void {
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
  }

  private wait(key: string): NodeJS.Timeout {
    return setTimeout(() => {
      const slot = this.slots.get(key);
      if (!slot) return;
      if (!slot.pending) {
        this.slots.delete(key);
        return;
      }
      const items = slot.pending;
      slot.pending = undefined;
      slot.timer = this.wait(key);
      this.flush(key, items);
    }, this.intervalMs);
  }
}
