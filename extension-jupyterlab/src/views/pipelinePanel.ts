/**
 * The pipeline panel: `media`'s pipeline graph of one pipeline, coloured by its newest run and
 * live while a run goes (`sextant/pipelines/changed`, `sextant/pipelines/log`); runs, forces and
 * cancels from its toolbar, and shows a step's stored log and tracked run when it is selected.
 */
import {
  PipelinesCancelRequest,
  PipelinesChangedNotification,
  PipelinesGraphRequest,
  PipelinesLogNotification,
  PipelinesRunRequest,
  PipelinesStepLogRequest,
  RunsGetRequest,
} from '@sextant/language-server/dist/protocol';
import { MessageType, type ViewMessage } from '@sextant/media/dist/lib/entries/jupyterlab';
import { Panel } from '@lumino/widgets';
import type { ISextantConnection } from '../tokens.js';
import { MediaView, type MediaViewHost } from './mediaView.js';

/** Which pipeline a panel shows. */
export interface PipelineSubject {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The pipeline's name; the file's first when absent. */
  pipeline?: string;
}

/** What the pipeline panel asks of its host. */
export interface PipelinePanelHost extends MediaViewHost {
  notify(message: string): void;
}

function errorCodeOf(error: unknown): string | undefined {
  const data = (error as { data?: { errorCode?: unknown } } | undefined)?.data;
  return typeof data?.errorCode === 'string' ? data.errorCode : undefined;
}

/** A main-area panel showing one pipeline's graph. */
export class PipelinePanel extends Panel {
  private readonly view: MediaView;
  private ready = false;
  private readonly runIds = new Set<string>();

  constructor(
    private readonly connection: ISextantConnection,
    readonly subject: PipelineSubject,
    private readonly host: PipelinePanelHost,
  ) {
    super();
    this.id = `sextant-pipeline-${subject.file}-${subject.pipeline ?? ''}`.replace(/[^\w-]/g, '_');
    this.addClass('jp-SextantPanel');
    this.title.label = `Pipeline: ${subject.pipeline ?? subject.file.split('/').at(-1)}`;
    this.title.caption = subject.file;
    this.title.closable = true;
    this.view = new MediaView('pipeline', {
      openRun: (runId) => host.openRun(runId),
      receive: (message) => void this.receive(message),
    });
    this.addWidget(this.view);
    const subscriptions = [
      connection.onNotification(PipelinesChangedNotification, ({ run }) => {
        if (run.file !== subject.file) return;
        if (subject.pipeline !== undefined && run.pipeline !== subject.pipeline) return;
        this.runIds.add(run.pipelineRunId);
        if (this.ready) this.view.send({ type: MessageType.PipelineRunUpdate, run });
      }),
      connection.onNotification(PipelinesLogNotification, (chunk) => {
        if (this.ready && this.runIds.has(chunk.pipelineRunId)) {
          this.view.send({ type: MessageType.PipelineLog, ...chunk });
        }
      }),
    ];
    const onRestart = (): void => void this.load();
    connection.restarted.connect(onRestart);
    this.disposed.connect(() => {
      for (const s of subscriptions) s.dispose();
      connection.restarted.disconnect(onRestart);
    });
  }

  /** Sends the graph (coloured by the newest run) to the view. */
  async load(): Promise<void> {
    try {
      const graph = await this.connection.request(PipelinesGraphRequest, {
        file: this.subject.file,
        pipeline: this.subject.pipeline,
      });
      if (this.isDisposed) return;
      this.subject.pipeline = graph.pipeline;
      this.title.label = `Pipeline: ${graph.pipeline}`;
      if (graph.run) this.runIds.add(graph.run.pipelineRunId);
      this.view.send({ type: MessageType.PipelineSnapshot, graph });
    } catch (error) {
      this.host.notify(`The pipeline graph could not be loaded: ${(error as Error).message}`);
    }
  }

  private async receive(message: ViewMessage): Promise<void> {
    const { connection, subject } = this;
    try {
      switch (message.type) {
        case MessageType.Ready:
          this.ready = true;
          await this.load();
          break;
        case MessageType.RunPipeline:
          await connection.request(PipelinesRunRequest, {
            file: subject.file,
            pipeline: subject.pipeline,
            step: message.step,
            force: message.force,
          });
          break;
        case MessageType.CancelPipelineRun:
          await connection.request(PipelinesCancelRequest, {
            pipelineRunId: message.pipelineRunId,
          });
          break;
        case MessageType.SelectStep:
          await this.details(message.step, message.pipelineRunId, message.runId);
          break;
        default:
          console.warn('sextant pipeline panel: ignored message', message.type);
      }
    } catch (error) {
      this.host.notify((error as Error).message);
    }
  }

  private async details(step: string, pipelineRunId?: string, runId?: string): Promise<void> {
    const problems: string[] = [];
    const [log, run] = await Promise.all([
      pipelineRunId
        ? this.connection
            .request(PipelinesStepLogRequest, { pipelineRunId, step })
            .catch((error: unknown) => {
              if (errorCodeOf(error) !== 'RESOURCE_DOES_NOT_EXIST') {
                problems.push(`The log could not be read: ${(error as Error).message}`);
              }
              return undefined;
            })
        : undefined,
      runId
        ? this.connection.request(RunsGetRequest, { runId }).catch((error: unknown) => {
            problems.push(`The tracked run could not be read: ${(error as Error).message}`);
            return undefined;
          })
        : undefined,
    ]);
    this.view.send({
      type: MessageType.PipelineStepDetails,
      step,
      pipelineRunId,
      log,
      run,
      error: problems.length > 0 ? problems.join(' ') : undefined,
    });
  }
}
