/**
 * The Deployments section of the Sextant sidebar: the workspace's deployments (running, stopped,
 * declared in sextant.yaml) with status, traffic split and the last minute's req/s, p50/p99 and
 * error rate; each expands to its variants (model version, weight, replicas). Live: redrawn on
 * `sextant/serving/changed` and every few seconds while one runs. Its actions are JupyterLab
 * commands (context menu and palette); the section only draws.
 */
import {
  ServingChangedNotification,
  ServingListRequest,
  type ServingDeploymentSummary,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import {
  deploymentDescription,
  deploymentTooltip,
  liveLine,
  trafficShares,
  variantDescription,
} from '@sextant/media/deployments';
import { Signal, type ISignal } from '@lumino/signaling';
import { el } from '../dom.js';
import type { ISextantConnection } from '../tokens.js';
import { Debouncer } from '../views/debounce.js';

/** How often the live figures are read while a deployment runs and the section is shown. */
const LIVE_INTERVAL_MS = 2000;

/** What the section asks of its host (the plugin's commands). */
export interface DeploymentsSectionHost {
  openDashboard(name: string): void;
}

/** The Deployments section: a node the sidebar places after Models. */
export class DeploymentsSection {
  /** The section's element. */
  readonly node = el('section', 'jp-SextantDeployments');
  private items: ServingDeploymentSummary[] = [];
  private problem = '';
  private loaded = false;
  private readonly expanded = new Set<string>();
  private readonly list = el('ul', 'jp-SextantTree jp-SextantDeployments-list');
  private readonly reload = new Debouncer(() => void this.refresh(), 150);
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly subscriptions;
  private readonly _rendered = new Signal<this, void>(this);

  constructor(
    private readonly connection: ISextantConnection,
    private readonly host: DeploymentsSectionHost,
  ) {
    this.node.append(el('h3', 'jp-SextantSidebar-section', 'Deployments'), this.list);
    connection.restarted.connect(() => void this.refresh());
    this.subscriptions = [
      connection.onNotification(ServingChangedNotification, () => this.reload.schedule()),
    ];
    this.timer = setInterval(() => {
      if (this.node.isConnected && this.items.some((d) => d.status === 'running')) {
        void this.refresh();
      }
    }, LIVE_INTERVAL_MS);
    if (connection.state === 'ready') void this.refresh();
  }

  /** Stops listening and polling. */
  dispose(): void {
    clearInterval(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
  }

  /** Emitted after every redraw. */
  get rendered(): ISignal<this, void> {
    return this._rendered;
  }

  /** The deployments listed now. */
  get deployments(): ServingDeploymentSummary[] {
    return [...this.items];
  }

  /** One listed deployment. */
  deployment(name: string): ServingDeploymentSummary | undefined {
    return this.items.find((d) => d.name === name);
  }

  /** Reads the list again. */
  async refresh(): Promise<void> {
    try {
      this.items = (await this.connection.request(ServingListRequest)).deployments;
      this.problem = '';
    } catch (error) {
      this.problem = `Cannot list deployments: ${errorMessage(error)}`;
    }
    this.loaded = true;
    this.render();
  }

  private render(): void {
    const rows: HTMLLIElement[] = [];
    if (this.problem) rows.push(el('li', 'jp-SextantTree-empty', this.problem));
    for (const d of this.items) rows.push(this.item(d));
    if (!this.problem && this.items.length === 0) {
      rows.push(
        el(
          'li',
          'jp-SextantTree-empty',
          this.loaded
            ? 'No deployments. Deploy a model version from its context menu in Models, or %sextant deploy NAME -m models:/…'
            : 'Loading deployments…',
        ),
      );
    }
    this.list.replaceChildren(...rows);
    this._rendered.emit();
  }

  private item(d: ServingDeploymentSummary): HTMLLIElement {
    const open = this.expanded.has(d.name);
    const item = el('li', 'jp-SextantTree-experiment jp-SextantDeployments-deployment');
    item.dataset['deployment'] = d.name;
    item.dataset['status'] = d.status;
    const row = el('div', 'jp-SextantTree-row jp-SextantDeployments-row');
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-expanded', String(open));
    row.title = deploymentTooltip(d);
    const dot = el('span', `jp-SextantDeployments-status jp-SextantDeployments-${d.status}`);
    dot.setAttribute('aria-label', d.status);
    const label = el('span', 'jp-SextantTree-label');
    // The split and the live figures on lines of their own: the sidebar is narrow.
    label.append(
      el('span', 'jp-SextantTree-name', d.name),
      el('span', 'jp-SextantTree-description', deploymentDescription({ ...d, live: undefined })),
    );
    if (d.live) {
      label.append(
        el('span', 'jp-SextantTree-description jp-SextantDeployments-live', liveLine(d.live)),
      );
    }
    const dashboard = el('button', 'jp-SextantDeployments-open', 'Dashboard');
    dashboard.title = `Open the dashboard of ${d.name}`;
    dashboard.addEventListener('click', (event) => {
      event.stopPropagation();
      this.host.openDashboard(d.name);
    });
    row.append(el('span', `jp-SextantTree-caret${open ? ' open' : ''}`), dot, label, dashboard);
    row.addEventListener('click', () => {
      if (open) this.expanded.delete(d.name);
      else this.expanded.add(d.name);
      this.render();
    });
    row.addEventListener('dblclick', () => this.host.openDashboard(d.name));
    item.append(row);
    if (!open) return item;
    const variants = el('ul', 'jp-SextantTree-runs');
    const shares = trafficShares(d.variants);
    for (const v of d.variants) {
      const li = el('li', 'jp-SextantTree-run jp-SextantDeployments-variant');
      li.dataset['deployment'] = d.name;
      li.dataset['variant'] = v.name;
      li.title = `${v.name}: ${v.uri} (version ${v.version})`;
      const text = el('span', 'jp-SextantTree-label');
      text.append(
        el('span', 'jp-SextantTree-name', `${v.name} · ${v.model}`),
        el('span', 'jp-SextantTree-description', variantDescription(v, shares[v.name])),
      );
      const bar = el('span', 'jp-SextantDeployments-bar');
      const fill = el('span', 'jp-SextantDeployments-barFill');
      fill.style.width = `${v.shadow ? 0 : (shares[v.name] ?? 0)}%`;
      bar.append(fill);
      bar.setAttribute('aria-hidden', 'true');
      li.append(el('span', 'jp-SextantTree-caret leaf'), text, bar);
      variants.append(li);
    }
    if (d.url) {
      const url = el('li', 'jp-SextantTree-run jp-SextantDeployments-url');
      url.append(el('span', 'jp-SextantTree-caret leaf'), el('code', '', d.url));
      variants.append(url);
    }
    item.append(variants);
    return item;
  }
}
