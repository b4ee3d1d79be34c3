/**
 * The host side of the pipeline graph view, as plain code: answers `ready` with the graph,
 * forwards the shown pipeline's run changes and step output, answers step selections with the
 * step's stored log and tracked run, and hands run, cancel and open requests to the IDE.
 */
import type { PipelineRun } from '@sextant/language-server/dist/protocol';
import { MessageType, type HostMessage, type ViewMessage } from '@sextant/media/dist/lib/contract';
import { errorMessage, type SextantApi } from '../api';
import { SnapshotPresenter } from '../webviews/snapshotPresenter';
import type { PipelinesApi } from './api';
import type { PipelineTarget } from './model';

/** Which pipeline a graph panel shows; `pipelineRunId` colours the first snapshot by that run. */
export interface PipelineSubject {
  file: string;
  pipeline?: string;
  pipelineRunId?: string;
}

/** What the user asked the graph for, carried out by the IDE. */
export interface PipelineActions {
  run(target: PipelineTarget & { force?: boolean }): Promise<void>;
  cancel(pipelineRunId: string): Promise<void>;
  openRun(runId: string): void;
  /** Something to report (a view error, a failed request). */
  log(message: string): void;
}

/** The subject of a graph panel restored after a reload, from the state the view saved. */
export function restoredPipeline(state: unknown): PipelineSubject | undefined {
  const saved = (state ?? {}) as { file?: unknown; pipeline?: unknown };
  if (typeof saved.file !== 'string') return undefined;
  return {
    file: saved.file,
    pipeline: typeof saved.pipeline === 'string' ? saved.pipeline : undefined,
  };
}

/** The `errorCode` of a `sextant/...` error response, if it is one. */
function errorCodeOf(error: unknown): string | undefined {
  const data = (error as { data?: { errorCode?: unknown } } | undefined)?.data;
  return typeof data?.errorCode === 'string' ? data.errorCode : undefined;
}

/** Drives one pipeline graph view. */
export class PipelinePresenter extends SnapshotPresenter {
  /** The pipeline's name once the server named it (the file's first when the subject has none). */
  private pipelineName: string | undefined;
  private readonly runIds = new Set<string>();

  constructor(
    private subject: PipelineSubject,
    private readonly api: Pick<SextantApi, 'getRun'>,
    private readonly pipelines: PipelinesApi,
    private readonly post: (message: HostMessage) => void,
    private readonly actions: PipelineActions,
  ) {
    super(
      (message) => actions.log(message),
      (error) => `Sextant: the pipeline graph could not be loaded: ${errorMessage(error)}`,
    );
    this.pipelineName = subject.pipeline;
    this.subscriptions.push(
      pipelines.onChanged(({ run }) => this.runChanged(run)),
      pipelines.onLog((chunk) => {
        if (this.ready && this.runIds.has(chunk.pipelineRunId)) {
          this.post({ type: MessageType.PipelineLog, ...chunk });
        }
      }),
    );
  }

  /** The pipeline shown, as far as it is known. */
  get shown(): PipelineTarget {
    return { file: this.subject.file, pipeline: this.pipelineName };
  }

  /** True when this presenter shows `target`'s pipeline. */
  shows(target: PipelineTarget): boolean {
    return (
      target.file === this.subject.file &&
      (target.pipeline === undefined ||
        this.pipelineName === undefined ||
        target.pipeline === this.pipelineName)
    );
  }

  /** Shows the graph again (the file was saved, or another run was picked). */
  show(subject?: PipelineSubject): Promise<void> {
    if (subject) this.subject = subject;
    return this.ready ? this.snapshot.request() : Promise.resolve();
  }

  private runChanged(run: PipelineRun): void {
    if (run.file !== this.subject.file) return;
    if (this.pipelineName !== undefined && run.pipeline !== this.pipelineName) return;
    this.runIds.add(run.pipelineRunId);
    if (this.ready) this.post({ type: MessageType.PipelineRunUpdate, run });
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.RunPipeline:
        await this.actions.run({ ...this.shown, step: message.step, force: message.force });
        return true;
      case MessageType.CancelPipelineRun:
        await this.actions.cancel(message.pipelineRunId);
        return true;
      case MessageType.SelectStep:
        await this.pushDetails(message.step, message.pipelineRunId, message.runId);
        return true;
      case MessageType.OpenRun:
        this.actions.openRun(message.runId);
        return true;
      default:
        return false;
    }
  }

  protected async pushSnapshot(): Promise<void> {
    const { file, pipelineRunId } = this.subject;
    const graph = await this.pipelines.graph({ file, pipeline: this.pipelineName, pipelineRunId });
    // Later snapshots follow the newest run.
    this.subject = { file, pipeline: graph.pipeline };
    this.pipelineName = graph.pipeline;
    if (graph.run) this.runIds.add(graph.run.pipelineRunId);
    this.post({ type: MessageType.PipelineSnapshot, graph });
  }

  private async pushDetails(step: string, pipelineRunId?: string, runId?: string): Promise<void> {
    const problems: string[] = [];
    const [log, run] = await Promise.all([
      pipelineRunId
        ? this.pipelines.stepLog({ pipelineRunId, step }).catch((error: unknown) => {
            // A step that has not started has no log yet.
            if (errorCodeOf(error) !== 'RESOURCE_DOES_NOT_EXIST') {
              problems.push(`The log could not be read: ${errorMessage(error)}`);
            }
            return undefined;
          })
        : undefined,
      runId
        ? this.api.getRun(runId).catch((error: unknown) => {
            problems.push(`The tracked run could not be read: ${errorMessage(error)}`);
            return undefined;
          })
        : undefined,
    ]);
    this.post({
      type: MessageType.PipelineStepDetails,
      step,
      pipelineRunId,
      log,
      run,
      error: problems.length > 0 ? problems.join(' ') : undefined,
    });
  }
}
