import type { KeyValue } from '../../model';
import type { ResolvedStep, StepRun } from '../../model/pipeline';
import type { StepPlacement } from '../../compute';
import type { Backends } from './backends';
import type { StepOutputs } from './outputs';
import type { RunRecorder } from './recorder';
import type { Capacity } from '../../compute';
import { cancelledWhy, type ActiveRun, type ExecutionOutcome, type OutputWriter } from './runState';
import type { StepEnvironments } from './stepEnvironment';
import { importFailureHint, missingModule } from './stepPython';

/** Characters of a step's stderr kept to find a failed import in. */
const STDERR_TAIL = 4096;
import { PIPELINE_TAGS } from '../../model/pipeline';

/** Longest delay a Node timer takes; a longer step timeout means no limit in practice. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs one step on its backend until it succeeds or its retries are spent, each attempt within
 * the step's timeout, in its environment (provisioned first when it names requirements).
 */
export class StepAttempts {
  constructor(
    private readonly recorder: RunRecorder,
    private readonly backends: Backends,
    private readonly environments: StepEnvironments,
    private readonly outputs: StepOutputs,
    /** What this machine offers local steps (a step asking for more GPUs is told). */
    private readonly capacity: Capacity,
  ) {}

  /** Runs the step until it succeeds or its retries are spent, each attempt within the timeout. */
  async run(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    runId: string,
    write: OutputWriter,
    signal: AbortSignal,
  ): Promise<ExecutionOutcome> {
    const { pipeline } = active;
    const { recorder } = this;
    // Running from the moment its process starts (or its environment is being made), and its
    // tracking run with it.
    const markRunning = (change: Partial<StepRun> = {}, tags: KeyValue[] = []): void => {
      if (record.status === 'running') {
        if (Object.keys(change).length > 0) recorder.setStep(active, record, change);
        recorder.stepTracking.tag(runId, tags);
        return;
      }
      const now = Date.now();
      recorder.setStep(active, record, { ...change, runId, status: 'running', startTime: now });
      recorder.stepTracking.started(runId, now, tags);
    };
    const plain = this.environments.of(active, step, runId);
    const python = step.environment.requirements ? undefined : this.environments.pythonFor(active);
    // The end of the step's stderr (output comes in chunks of any size): a failed import there
    // is said with the interpreter that lacked it.
    let stderrTail = '';
    const output: OutputWriter = (stream, text) => {
      if (stream === 'stderr') stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
      write(stream, text);
    };
    // A cluster that has none of the workspace's files installs the requirements itself (Ray's
    // `pip`): a local environment would go unused.
    const prepared =
      step.environment.requirements && this.backends.targetOf(pipeline, step).workspace !== 'upload'
        ? await this.environments.provisioned(active, step, plain, write, signal, markRunning)
        : { env: plain };
    if ('failed' in prepared)
      return { status: signal.aborted ? 'cancelled' : 'failed', reason: prepared.failed };
    const backend = this.backends.backendFor(pipeline, step);
    const gpus = this.capacity.gpu;
    if (step.resources.gpu > gpus && backend.kind === 'local') {
      write(
        'stderr',
        `sextant: the step declares ${step.resources.gpu} GPU${step.resources.gpu === 1 ? '' : 's'} ` +
          `and this machine offers ${gpus}: it runs with ${gpus === 0 ? 'none' : `all ${gpus}`}\n`,
      );
    }
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return { status: 'cancelled', reason: cancelledWhy(signal) };
      if (attempt > 1) {
        recorder.setStep(active, record, { attempts: attempt });
        write('stderr', `\n--- sextant: attempt ${attempt} of ${step.retries + 1} ---\n`);
      }
      if (step.outputs.length + step.metrics.length > 0) await this.outputs.clear(pipeline, step);
      const attemptController = new AbortController();
      const stopAttempt = (reason: unknown): void => attemptController.abort(reason);
      active.attempts.add(stopAttempt);
      if (signal.aborted) attemptController.abort(signal.reason);
      let timer: NodeJS.Timeout | undefined;
      // The timeout counts from the start: a step may wait in the backend's queue first.
      const onStart = (externalId?: string, placement?: StepPlacement): void => {
        const id = externalId !== undefined ? { externalId } : {};
        const gpus = placement?.gpus ?? [];
        const tags: KeyValue[] =
          gpus.length > 0 ? [{ key: PIPELINE_TAGS.gpus, value: gpus.join(',') }] : [];
        if (python && attempt === 1 && backend.kind === 'local') {
          tags.push({ key: PIPELINE_TAGS.python, value: `${python.path} (${python.source})` });
        }
        if (attempt === 1) markRunning({ attempts: 1, ...id }, tags);
        else {
          if (externalId !== undefined) recorder.setStep(active, record, id);
          recorder.stepTracking.tag(runId, tags);
        }
        if (step.timeoutSec !== undefined && step.timeoutSec * 1000 <= MAX_TIMER_MS) {
          timer = setTimeout(
            () => attemptController.abort(new Error(`timed out after ${step.timeoutSec} s`)),
            step.timeoutSec * 1000,
          );
        }
      };
      if (!backend.schedules) onStart();
      let outcome;
      try {
        outcome = await backend.execute({
          step,
          root: pipeline.root,
          env: prepared.env,
          signal: attemptController.signal,
          onOutput: output,
          onExternalId: (id) => recorder.setStep(active, record, { externalId: id }),
          ...(backend.schedules ? { onStart } : {}),
        });
      } catch (error) {
        outcome = { exitCode: null, reason: (error as Error).message };
      } finally {
        clearTimeout(timer);
        active.attempts.delete(stopAttempt);
      }
      if (signal.aborted) {
        return {
          status: 'cancelled',
          reason: cancelledWhy(signal),
          ...(outcome.exitCode !== null ? { exitCode: outcome.exitCode } : {}),
        };
      }
      if (outcome.exitCode === 0 && !attemptController.signal.aborted)
        return { status: 'done', exitCode: 0 };
      const exited = outcome.reason ?? `exited with code ${outcome.exitCode}`;
      const unimportable =
        backend.kind === 'local' && !step.environment.requirements
          ? missingModule(stderrTail)
          : undefined;
      stderrTail = '';
      const reason = attemptController.signal.aborted
        ? `timed out after ${step.timeoutSec} s`
        : unimportable !== undefined
          ? `${exited}: ${importFailureHint(unimportable, python)}`
          : exited;
      if (attempt > step.retries) {
        return {
          status: 'failed',
          reason: step.retries > 0 ? `${reason} (after ${attempt} attempts)` : reason,
          ...(outcome.exitCode !== null ? { exitCode: outcome.exitCode } : {}),
        };
      }
      write('stderr', `\nsextant: step '${step.name}' ${reason}; retrying\n`);
    }
  }
}
