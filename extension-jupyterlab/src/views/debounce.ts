/** Runs an action once, `delayMs` after the last of a burst of `schedule` calls. */
export class Debouncer {
  private timer: number | undefined;

  constructor(
    private readonly action: () => void,
    private readonly delayMs: number,
  ) {}

  /** Runs the action `delayMs` from now, replacing a pending run. */
  schedule(): void {
    this.cancel();
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      this.action();
    }, this.delayMs);
  }

  /** Drops a pending run. */
  cancel(): void {
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
