import { Widget } from '@lumino/widgets';
import { el } from '../dom.js';
import type { ISextantConnection } from '../tokens.js';
import { welcomeSteps } from './steps.js';

/**
 * Sextant's Getting Started panel: the tracking URI (with a copy button) and the first steps,
 * redrawn when the connection comes up or its server restarts.
 */
export class WelcomePanel extends Widget {
  constructor(
    private readonly connection: ISextantConnection,
    private readonly showSidebar: () => void,
  ) {
    super();
    this.id = 'sextant-welcome';
    this.addClass('jp-SextantWelcome');
    this.title.label = 'Sextant: Getting Started';
    this.title.closable = true;
    connection.stateChanged.connect(this.render, this);
    connection.restarted.connect(this.render, this);
    this.render();
  }

  private render(): void {
    const uri = this.connection.info?.trackingUri;
    const root = this.node;
    root.replaceChildren();
    root.append(el('h1', '', 'Getting started with Sextant'));

    const server = el('p', 'jp-SextantWelcome-server');
    if (uri) {
      server.append('Tracking URI: ', el('code', 'jp-SextantWelcome-uri', uri), ' ');
      const copy = el('button', 'jp-mod-styled jp-SextantWelcome-copy', 'Copy');
      copy.onclick = () => void navigator.clipboard.writeText(uri);
      server.append(copy);
    } else if (this.connection.state === 'failed') {
      server.append(`Sextant's server is not connected: ${this.connection.error}`);
    } else {
      server.append("Connecting to Sextant's server…");
    }
    root.append(server);

    const list = el('ol', 'jp-SextantWelcome-steps');
    for (const step of welcomeSteps(uri)) {
      const item = el('li', 'jp-SextantWelcome-step');
      item.dataset['step'] = step.id;
      item.append(el('h2', '', step.title), el('p', '', step.text));
      if (step.code) item.append(el('pre', 'jp-SextantWelcome-code', step.code));
      if (step.sidebarButton) {
        const button = el('button', 'jp-mod-styled jp-mod-accept', step.sidebarButton);
        button.onclick = this.showSidebar;
        item.append(button);
      }
      list.append(item);
    }
    root.append(list);
  }

  override dispose(): void {
    this.connection.stateChanged.disconnect(this.render, this);
    this.connection.restarted.disconnect(this.render, this);
    super.dispose();
  }
}
