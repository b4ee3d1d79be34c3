/**
 * A deployment process's output (`sextant/serving/logs`) in a main-area panel, followed as it
 * grows: what `sextant deploy up` printed, its workers' errors and its crashes.
 */
import { ServingLogsRequest } from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { Widget } from '@lumino/widgets';
import { el } from '../dom.js';
import type { ISextantConnection } from '../tokens.js';

/** How often the output is read while the panel is shown. */
const FOLLOW_INTERVAL_MS = 1000;
/** The most text kept in the panel. */
const MAX_CHARS = 512 * 1024;

/** A panel following one deployment's output. */
export class DeploymentLogsPanel extends Widget {
  private offset = 0;
  private reading = false;
  private readonly text = el('pre', 'jp-SextantDeploymentLogs-text');
  private readonly status = el('div', 'jp-SextantDeploymentLogs-status');
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly connection: ISextantConnection,
    readonly deployment: string,
  ) {
    super();
    this.id = `sextant-deployment-logs-${encodeURIComponent(deployment)}`;
    this.addClass('jp-SextantDeploymentLogs');
    this.title.label = `Logs: ${deployment}`;
    this.title.caption = `The output of the deployment ${deployment}`;
    this.title.closable = true;
    this.text.setAttribute('aria-label', `Output of ${deployment}`);
    this.text.tabIndex = 0;
    this.node.append(this.status, this.text);
    this.timer = setInterval(() => {
      if (this.isVisible) void this.read();
    }, FOLLOW_INTERVAL_MS);
    void this.read();
  }

  override dispose(): void {
    clearInterval(this.timer);
    super.dispose();
  }

  /** Reads what the process printed since the last read, keeping the view at the end. */
  async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const result = await this.connection.request(ServingLogsRequest, {
        name: this.deployment,
        offset: this.offset,
      });
      const atEnd = this.node.scrollTop + this.node.clientHeight >= this.node.scrollHeight - 8;
      if (result.offset < this.offset) this.text.textContent = '';
      this.offset = result.offset;
      if (result.text) {
        const next = (this.text.textContent ?? '') + result.text;
        this.text.textContent = next.length > MAX_CHARS ? next.slice(-MAX_CHARS) : next;
        if (atEnd) this.node.scrollTop = this.node.scrollHeight;
      }
      this.status.textContent = this.text.textContent
        ? `Following the output of ${this.deployment}`
        : `${this.deployment} has printed nothing yet`;
    } catch (error) {
      this.status.textContent = `Cannot read the output of ${this.deployment}: ${errorMessage(error)}`;
    } finally {
      this.reading = false;
    }
  }
}
