/**
 * What `%sextant pipeline run` shows under its log in a notebook (the mime type
 * {@link PIPELINE_RUN_MIME}): the run it started and a button that opens the pipeline's graph
 * on that run, beside the notebook.
 */
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime';
import { el } from '../dom.js';

/** The output `%sextant pipeline run` displays once its run has ended. */
export const PIPELINE_RUN_MIME = 'application/vnd.sextant.pipeline-run+json';

/** The data of {@link PIPELINE_RUN_MIME}, as the magic writes it. */
interface PipelineRunOutput {
  /** Absolute path of the pipeline file. */
  file: string;
  pipeline: string;
  pipelineRunId: string;
  /** How the run ended: done, failed or cancelled. */
  status: string;
}

function outputOf(data: unknown): PipelineRunOutput | undefined {
  const value = data as Partial<Record<keyof PipelineRunOutput, unknown>> | null;
  if (!value || typeof value !== 'object') return undefined;
  const { file, pipeline, pipelineRunId, status } = value;
  if ([file, pipeline, pipelineRunId, status].some((v) => typeof v !== 'string')) return undefined;
  return value as PipelineRunOutput;
}

/** Renders one {@link PIPELINE_RUN_MIME} output: a line naming the run, and the button. */
class PipelineRunRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly open: (output: PipelineRunOutput) => void) {
    super();
    this.addClass('jp-SextantPipelineOutput');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const output = outputOf(model.data[PIPELINE_RUN_MIME]);
    if (!output) {
      this.node.replaceChildren(el('span', '', 'Sextant: an unreadable pipeline run output.'));
      return;
    }
    const button = el('button', 'jp-mod-styled jp-mod-accept', 'Open pipeline graph');
    button.addEventListener('click', () => this.open(output));
    this.node.replaceChildren(
      el(
        'span',
        'jp-SextantPipelineOutput-label',
        `Pipeline ${output.pipeline}, run ${output.pipelineRunId.slice(0, 8)}: ${output.status}`,
      ),
      button,
    );
  }
}

/**
 * The renderer factory of {@link PIPELINE_RUN_MIME}. Safe: it shows text only, and the graph it
 * opens is of a file the language server checks is inside the workspace.
 */
export function pipelineRunRendererFactory(
  open: (output: { file: string; pipeline: string }) => void,
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PIPELINE_RUN_MIME],
    defaultRank: 50,
    createRenderer: () => new PipelineRunRenderer(open),
  };
}
