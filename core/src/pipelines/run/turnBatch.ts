/**
 * Gathers work that arrives in one event-loop turn and commits it together once the turn is done
 * (a `setImmediate`): the cached steps that become ready together are recorded in one
 * transaction instead of several commits each. When a batch fails, each item is retried alone,
 * so one bad item fails only itself.
 */
export class TurnBatch<Item, Result> {
  private pending: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] =
    [];

  /** @param commit writes the items, all or none, and returns one result per item in order. */
  constructor(private readonly commit: (items: Item[]) => Result[]) {}

  /** Queues an item; resolves with its result once its batch is committed. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = this.commit(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i] as Result));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
    }
    for (const p of batch) {
      try {
        p.resolve(this.commit([p.item])[0] as Result);
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
