/**
 * The host side of the pipeline graph view, in both IDEs: answers `ready` with the graph,
 * forwards the shown pipeline's run changes and step output, shows the graph again when
 * workspace files change (the steps' states follow edits to params and dependencies), answers step selections with the
 * step's stored log and tracked run, and runs or cancels the pipeline (through the IDE when it
 * shows progress of its own).
 */
import {
  PipelinesCancelRequest,
  PipelinesChangedNotification,
  PipelinesGraphRequest,
  PipelinesLogNotification,
  PipelinesRunRequest,
  PipelinesStatesChangedNotification,
  PipelinesStepLogRequest,
  RunsGetRequest,
  type PipelineGraph,
  type PipelineRun,
} from '@sextant/language-server/protocol';
import { errorCodeOf, errorMessage, type SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** A pipeline, or one step of it and what it needs. */
export interface PipelineTarget {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The pipeline's name; the file's first when absent. */
  pipeline?: string;
  step?: string;
}

/** Which pipeline a graph view shows; `pipelineRunId` colours the first snapshot by that run. */
export interface PipelineSubject {
  file: string;
  pipeline?: string;
  pipelineRunId?: string;
}

/** What the graph view asks of its IDE adapter. */
export interface PipelineViewHost extends PresenterHost {
  openRun(runId: string): void;
  /** Starts a run the IDE follows (progress, output); a plain `sextant/pipelines/run` when absent. */
  run?(target: PipelineTarget & { force?: boolean }): Promise<void>;
  /** Cancels a run; a plain `sextant/pipelines/cancel` when absent. */
  cancel?(pipelineRunId: string): Promise<void>;
  /** A graph went to the view (the adapter may name its panel after the pipeline). */
  shown?(graph: PipelineGraph): void;
}

/** The subject of a graph view restored after a reload, from the state the view saved. */
export function restoredPipeline(state: unknown): PipelineSubject | undefined {
  const saved = (state ?? {}) as { file?: unknown; pipeline?: unknown };
  if (typeof saved.file !== 'string') return undefined;
  return {
    file: saved.file,
    pipeline: typeof saved.pipeline === 'string' ? saved.pipeline : undefined,
  };
}

/** Drives one pipeline graph view. */
export class PipelinePresenter extends SnapshotPresenter {
  /** The pipeline's name once the server named it (the file's first when the subject has none). */
  private pipelineName: string | undefined;
  private readonly runIds = new Set<string>();
  /** Runs of the shown pipeline in progress: their updates say more than a new graph would. */
  private readonly running = new Set<string>();

  constructor(
    private subject: PipelineSubject,
    private readonly client: SextantClient,
    protected override readonly host: PipelineViewHost,
  ) {
    super(
      host,
      (error) => `Sextant: the pipeline graph could not be loaded: ${errorMessage(error)}`,
    );
    this.pipelineName = subject.pipeline;
    this.subscriptions.push(
      client.onNotification(PipelinesChangedNotification, ({ run }) => this.runChanged(run)),
      // A param or dependency edited: the states (what the next run would run) may have moved.
      client.onNotification(PipelinesStatesChangedNotification, () => {
        if (this.ready && this.running.size === 0 && this.subject.pipelineRunId === undefined) {
          void this.refresh();
        }
      }),
      client.onNotification(PipelinesLogNotification, (chunk) => {
        if (this.ready && this.runIds.has(chunk.pipelineRunId)) {
          this.post({ type: MessageType.PipelineLog, ...chunk });
        }
      }),
    );
  }

  /** The pipeline shown, as far as it is known. */
  get shown(): { file: string; pipeline?: string } {
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
    return this.refresh();
  }

  private runChanged(run: PipelineRun): void {
    if (run.file !== this.subject.file) return;
    if (this.pipelineName !== undefined && run.pipeline !== this.pipelineName) return;
    this.runIds.add(run.pipelineRunId);
    if (run.status === 'running') this.running.add(run.pipelineRunId);
    else this.running.delete(run.pipelineRunId);
    if (this.ready) this.post({ type: MessageType.PipelineRunUpdate, run });
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.RunPipeline: {
        const target = { ...this.shown, step: message.step, force: message.force };
        if (this.host.run) await this.host.run(target);
        else await this.client.request(PipelinesRunRequest, target);
        return true;
      }
      case MessageType.CancelPipelineRun:
        if (this.host.cancel) await this.host.cancel(message.pipelineRunId);
        else
          await this.client.request(PipelinesCancelRequest, {
            pipelineRunId: message.pipelineRunId,
          });
        return true;
      case MessageType.SelectStep:
        await this.pushDetails(message.step, message.pipelineRunId, message.runId);
        return true;
      case MessageType.OpenRun:
        this.host.openRun(message.runId);
        return true;
      default:
        return false;
    }
  }

  protected async pushSnapshot(): Promise<void> {
    const { file, pipelineRunId } = this.subject;
    const graph = await this.client.request(PipelinesGraphRequest, {
      file,
      pipeline: this.pipelineName,
      pipelineRunId,
    });
    // Later snapshots follow the newest run.
    this.subject = { file, pipeline: graph.pipeline };
    this.pipelineName = graph.pipeline;
    if (graph.run) this.runIds.add(graph.run.pipelineRunId);
    this.post({ type: MessageType.PipelineSnapshot, graph });
    this.host.shown?.(graph);
  }

  private async pushDetails(step: string, pipelineRunId?: string, runId?: string): Promise<void> {
    const problems: string[] = [];
    const [log, run] = await Promise.all([
      pipelineRunId
        ? this.client
            .request(PipelinesStepLogRequest, { pipelineRunId, step })
            .catch((error: unknown) => {
              // A step that has not started has no log yet.
              if (errorCodeOf(error) !== 'RESOURCE_DOES_NOT_EXIST') {
                problems.push(`The log could not be read: ${errorMessage(error)}`);
              }
              return undefined;
            })
        : undefined,
      runId
        ? this.client.request(RunsGetRequest, { runId }).catch((error: unknown) => {
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
