/**
 * What `%sextant monitor run|windows`, `%sextant experiment report|decide` and `%sextant timeline`
 * show under their output in a notebook (the mime type {@link VIEW_MIME}): a button that opens
 * the view the command concerns (monitoring dashboard, experiment report, loop timeline).
 */
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime';
import { el } from '../dom.js';
import { VIEW_MIME, type ViewOutput, viewButtonLabel, viewOutputOf } from './viewLinks.js';

/** Renders one {@link VIEW_MIME} output: the button, or a line saying it cannot be read. */
class ViewRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly open: (output: ViewOutput) => void) {
    super();
    this.addClass('jp-SextantPipelineOutput');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const output = viewOutputOf(model.data[VIEW_MIME]);
    if (!output) {
      this.node.replaceChildren(el('span', '', 'Sextant: an unreadable view output.'));
      return;
    }
    const button = el('button', 'jp-mod-styled jp-mod-accept', viewButtonLabel(output));
    button.addEventListener('click', () => this.open(output));
    this.node.replaceChildren(button);
  }
}

/**
 * The renderer factory of {@link VIEW_MIME}. Safe: it shows text only, and the views it opens
 * ask the language server, which checks the names they are given.
 */
export function viewRendererFactory(
  open: (output: ViewOutput) => void,
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [VIEW_MIME],
    defaultRank: 50,
    createRenderer: () => new ViewRenderer(open),
  };
}
