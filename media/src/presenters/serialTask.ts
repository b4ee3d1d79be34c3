/**
 * Runs an async task at most once at a time; asking while it runs schedules exactly one more run
 * after it, so a burst of notifications costs at most two round trips.
 */
export class SerialTask {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a run; resolves when the run that covers this request has finished. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.task();
        } catch (error) {
          this.onError(error);
        }
      } while (this.again);
      this.running = undefined;
    })();
    return this.running;
  }
}
