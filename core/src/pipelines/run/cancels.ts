import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_KILL_GRACE_MS } from '../../compute';
import { notFound, SextantError } from '../../model/errors';
import type { PipelineRun } from '../../model/pipeline';
import { CANCELLED_ELSEWHERE, type ActiveRun } from './runState';
import type { PipelineRunStore } from './runStore';

/** How often a process that drives runs checks whether another asked it to stop one. */
export const CANCEL_CHECK_MS = 250;

/**
 * Cancelling across Sextant processes, through the store: a process asks the one that drives a
 * run to stop it ({@link cancelElsewhere}), and a process that drives runs checks every
 * {@link CANCEL_CHECK_MS} whether it was asked ({@link watch}).
 */
export class CrossProcessCancel {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runs: PipelineRunStore,
    /** The runs this process drives, by pipeline run id. */
    private readonly active: ReadonlyMap<string, ActiveRun>,
    /** Marks the runs of processes that are gone as failed (orphan recovery). */
    private readonly recoverOrphans: () => Promise<unknown>,
    private readonly killGraceMs = DEFAULT_KILL_GRACE_MS,
  ) {}

  /**
   * Cancels a run this process does not drive: one whose process is gone is recovered (marked
   * failed); another Sextant process is asked to stop it, and it is answered once it has.
   */
  async cancelElsewhere(pipelineRunId: string): Promise<PipelineRun> {
    const stored = this.runs.get(pipelineRunId);
    if (!stored) throw notFound(`no pipeline run '${pipelineRunId}'`);
    if (stored.status !== 'running') return stored;
    if (this.runs.ownerGone(pipelineRunId)) {
      await this.recoverOrphans();
      return this.runs.get(pipelineRunId) ?? stored;
    }
    this.runs.requestCancel(pipelineRunId);
    // The other process stops its steps (SIGTERM, SIGKILL after the grace period) and records it.
    const deadline = Date.now() + CANCEL_CHECK_MS + this.killGraceMs + 10_000;
    for (;;) {
      const now = this.runs.get(pipelineRunId);
      if (!now || now.status !== 'running') return now ?? stored;
      if (Date.now() > deadline) {
        throw new SextantError(
          'INVALID_STATE',
          `pipeline run '${pipelineRunId}' was asked to stop, but the Sextant process that drives it has not stopped it; stop it there (Ctrl-C in its terminal)`,
        );
      }
      await delay(100);
    }
  }

  /**
   * While this process drives runs, checks every {@link CANCEL_CHECK_MS} whether another process
   * asked one of them to stop, and stops it.
   */
  watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.active.size === 0) {
        this.stop();
        return;
      }
      for (const [id, active] of this.active) {
        if (!active.controller.signal.aborted && this.runs.cancelRequested(id)) {
          active.controller.abort(new Error(CANCELLED_ELSEWHERE));
        }
      }
    }, CANCEL_CHECK_MS);
    this.timer.unref();
  }

  /** Stops checking. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
