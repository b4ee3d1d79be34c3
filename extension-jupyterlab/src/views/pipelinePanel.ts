/**
 * The pipeline panel: `media`'s pipeline graph of one pipeline, coloured by its newest run and
 * live while a run goes; runs, forces and cancels from its toolbar, and shows a step's stored log
 * and tracked run when it is selected (all of it in `media`'s pipeline presenter).
 */
import { PipelinePresenter, type PipelineSubject } from '@sextant/media/presenters/pipeline';
import { errorMessage } from '@sextant/media/client';
import type { ISextantConnection } from '../tokens.js';
import { logToConsole, ViewPanel, type ViewPanelHost } from './mediaView.js';

/** A main-area panel showing one pipeline's graph. */
export class PipelinePanel extends ViewPanel<PipelinePresenter> {
  protected readonly presenter: PipelinePresenter;

  constructor(connection: ISextantConnection, subject: PipelineSubject, host: ViewPanelHost) {
    super(connection, 'pipeline');
    this.id = `sextant-pipeline-${subject.file}-${subject.pipeline ?? ''}`.replace(/[^\w-]/g, '_');
    this.title.label = `Pipeline: ${subject.pipeline ?? subject.file.split('/').at(-1)}`;
    this.title.caption = subject.file;
    this.presenter = new PipelinePresenter(subject, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (runId) => host.openRun(runId),
      shown: (graph) => {
        this.title.label = `Pipeline: ${graph.pipeline}`;
      },
      failed: (error) =>
        host.notify(`The pipeline graph could not be loaded: ${errorMessage(error)}`),
    });
    this.receiveFailed = (error) => host.notify(errorMessage(error));
    this.mount();
  }

  /** The pipeline shown (its name once the server named it). */
  get subject(): { file: string; pipeline?: string } {
    return this.presenter.shown;
  }
}
