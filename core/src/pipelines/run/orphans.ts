import type { RunRecorder } from './recorder';
import { stopOrphanedGroup } from '../../compute';
import type { StepLogs } from './stepLogs';

/**
 * Recovers the runs that a killed Sextant left `running`: they end failed, with the reason, and
 * what they left behind is put in order (their process groups stopped, their logs stored, their
 * tracking runs FAILED).
 */
export class OrphanRecovery {
  constructor(
    private readonly recorder: RunRecorder,
    private readonly logs: StepLogs,
  ) {}

  /**
   * Marks the orphaned runs as failed: their running steps failed, their queued steps skipped,
   * their tracking runs FAILED. Returns the pipeline run ids it recovered.
   */
  async recover(): Promise<string[]> {
    const { runs, stepTracking } = this.recorder;
    const orphans = runs.orphaned();
    const now = Date.now();
    for (const { run, ownerPid } of orphans) {
      const reason = `Sextant stopped while this ran (process ${ownerPid ?? 'unknown'} is gone)`;
      for (const step of run.steps) {
        if (step.status === 'running') {
          Object.assign(step, { status: 'failed', reason, endTime: now });
        } else if (step.status === 'queued') {
          Object.assign(step, {
            status: 'skipped',
            reason: 'the pipeline run stopped before this step started',
          });
        } else continue;
        runs.updateStep(run.pipelineRunId, step);
      }
      run.status = 'failed';
      run.endTime = now;
      runs.updateRun(run);
    }
    for (const { run, ownerPid } of orphans) {
      const reason = `Sextant stopped while this ran (process ${ownerPid ?? 'unknown'} is gone)`;
      for (const [index, step] of run.steps.entries()) {
        if (step.externalId) stopOrphanedGroup(step.externalId, run.pipelineRunId);
        if (!step.runId) continue;
        await this.logs.store(step.runId, this.logs.files(run.pipelineRunId, index));
      }
      const runIds = new Set<string>(
        [run.runId, ...run.steps.map((s) => s.runId)].filter((id): id is string => !!id),
      );
      for (const id of await stepTracking.runningRunsOf(run.pipeline, run.pipelineRunId)) {
        runIds.add(id);
      }
      for (const id of runIds) await stepTracking.failIfRunning(id, reason);
      this.recorder.flush();
      await this.logs.removeRun(run.pipelineRunId);
      this.recorder.emit({ type: 'run-finished', run });
    }
    return orphans.map((o) => o.run.pipelineRunId);
  }
}
