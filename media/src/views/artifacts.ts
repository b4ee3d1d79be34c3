/**
 * The artifacts of the run view: the run's artifact folders (expanded on demand) and previews of
 * images (as `data:` URLs in an `<img>`, SVG included, never inlined) and text files (the first
 * 256 KiB, monospace; CSV as a small table). Reads go through the host with
 * {@link MessageType.ReadArtifact}.
 */
import type { ArtifactFile, ArtifactsReadResult } from '@sextant/language-server/protocol';
import {
  CSV_PREVIEW_ROWS,
  TEXT_PREVIEW_BYTES,
  baseName,
  formatBytes,
  imageDataUrl,
  parseCsvPreview,
  previewKind,
  HTML_SANDBOX,
} from '../artifacts';
import type { Bridge } from '../bridge';
import { MessageType, type ArtifactContent, type ArtifactListing } from '../contract';
import { h, replaceChildren } from './dom';

/** Images previewed without asking, from the top level of the run's artifacts. */
const AUTO_PREVIEW_IMAGES = 6;

type Preview = { path: string; result?: ArtifactsReadResult; error?: string };

/** The artifacts section of the run view. */
export class ArtifactsPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly previewsEl: HTMLElement;
  private readonly listings = new Map<string, ArtifactFile[] | string>();
  private readonly expanded = new Set<string>();
  private readonly previews: Preview[] = [];
  private started = false;

  constructor(private readonly bridge: Bridge) {
    this.list = h('div', { class: 'artifact-list' });
    this.previewsEl = h('div', { class: 'artifact-previews', 'aria-label': 'Artifact previews' });
    this.element = h(
      'section',
      { 'aria-label': 'Artifacts' },
      h('h2', {}, 'Artifacts'),
      this.list,
      this.previewsEl,
    );
  }

  /** Shows the top level of the run's artifacts; previews the first images the first time. */
  setRoot(files: ArtifactFile[]): void {
    this.listings.set('', files);
    for (const path of this.expanded) this.request(MessageType.ListArtifacts, path);
    if (!this.started) {
      this.started = true;
      const images = files.filter((f) => !f.isDir && previewKind(f.path) === 'image');
      for (const file of images.slice(0, AUTO_PREVIEW_IMAGES)) this.preview(file.path, false);
    }
    this.renderList();
  }

  /** Takes an answer of the host. */
  receive(message: ArtifactContent | ArtifactListing): void {
    if (message.type === MessageType.ArtifactListing) {
      this.listings.set(message.path, message.error ?? message.files);
      this.renderList();
      return;
    }
    const preview = this.previews.find((p) => p.path === message.path);
    if (!preview) return;
    preview.result = message.result;
    preview.error = message.error;
    this.renderPreviews();
  }

  /** Previews one artifact (first among the previews), scrolled into view when `reveal`. */
  preview(path: string, reveal = true): void {
    const index = this.previews.findIndex((p) => p.path === path);
    const existing = index >= 0 ? this.previews.splice(index, 1)[0] : undefined;
    this.previews.unshift(existing ?? { path });
    if (!existing) this.request(MessageType.ReadArtifact, path);
    this.renderPreviews();
    if (reveal) this.revealFirst();
  }

  /**
   * Previews a text whose content is already known, first among the previews: the MLmodel of a
   * logged model kept outside the run's artifacts.
   */
  showText(path: string, text: string): void {
    const index = this.previews.findIndex((p) => p.path === path);
    if (index >= 0) this.previews.splice(index, 1);
    const size = new TextEncoder().encode(text).length;
    const result = { path, size, encoding: 'utf8' as const, content: text, truncated: false };
    this.previews.unshift({ path, result });
    this.renderPreviews();
    this.revealFirst();
  }

  private revealFirst(): void {
    const card = this.previewsEl.firstElementChild as HTMLElement | null;
    card?.scrollIntoView({ block: 'nearest' });
    card?.focus();
  }

  private request(type: MessageType.ReadArtifact | MessageType.ListArtifacts, path: string): void {
    this.bridge.post({ type, path });
  }

  private toggle(path: string): void {
    if (this.expanded.delete(path)) {
      this.renderList();
      return;
    }
    this.expanded.add(path);
    if (!this.listings.has(path)) this.request(MessageType.ListArtifacts, path);
    this.renderList();
  }

  private renderList(): void {
    const root = this.listings.get('');
    if (!root || (Array.isArray(root) && root.length === 0)) {
      replaceChildren(this.list, h('p', { class: 'muted empty' }, 'No artifacts.'));
      return;
    }
    const rows: HTMLElement[] = [];
    const walk = (path: string, depth: number): void => {
      const entries = this.listings.get(path);
      if (entries === undefined) {
        rows.push(this.messageRow('Loading…', depth));
        return;
      }
      if (typeof entries === 'string') {
        rows.push(this.messageRow(entries, depth));
        return;
      }
      if (entries.length === 0) rows.push(this.messageRow('Empty folder', depth));
      for (const file of entries) {
        rows.push(this.fileRow(file, depth));
        if (file.isDir && this.expanded.has(file.path)) walk(file.path, depth + 1);
      }
    };
    walk('', 0);
    replaceChildren(
      this.list,
      h(
        'table',
        { class: 'data artifacts' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Path'),
            h('th', { scope: 'col' }, 'Size'),
            h('th', {}),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  }

  private messageRow(text: string, depth: number): HTMLElement {
    return h(
      'tr',
      {},
      h('td', { colspan: '3', class: 'muted', style: `padding-left:${8 + depth * 16}px` }, text),
    );
  }

  private fileRow(file: ArtifactFile, depth: number): HTMLElement {
    const name = baseName(file.path);
    const open = this.expanded.has(file.path);
    const label = file.isDir
      ? h(
          'button',
          {
            class: 'link',
            'aria-expanded': open ? 'true' : 'false',
            title: file.path,
            onclick: () => this.toggle(file.path),
          },
          `${open ? '▾' : '▸'} ${name}/`,
        )
      : previewKind(file.path) !== 'none'
        ? h(
            'button',
            {
              class: 'link',
              title: `Preview ${file.path}`,
              onclick: () => this.preview(file.path),
            },
            name,
          )
        : h('code', { title: file.path }, name);
    const download = file.isDir
      ? null
      : h(
          'button',
          {
            class: 'secondary small',
            'aria-label': `Download ${file.path}`,
            onclick: () =>
              this.bridge.post({ type: MessageType.DownloadArtifact, path: file.path }),
          },
          'Download',
        );
    return h(
      'tr',
      { 'data-artifact': file.path },
      h('td', { style: `padding-left:${8 + depth * 16}px` }, label),
      h('td', {}, formatBytes(file.fileSize)),
      h('td', { class: 'actions' }, download),
    );
  }

  private renderPreviews(): void {
    replaceChildren(this.previewsEl, ...this.previews.map((p) => this.card(p)));
  }

  private card(preview: Preview): HTMLElement {
    const close = h(
      'button',
      {
        class: 'secondary small',
        'aria-label': `Close the preview of ${preview.path}`,
        onclick: () => {
          this.previews.splice(this.previews.indexOf(preview), 1);
          this.renderPreviews();
        },
      },
      'Close',
    );
    return h(
      'figure',
      {
        class: 'chart-card artifact-card',
        tabindex: '-1',
        'data-artifact-preview': preview.path,
        'aria-label': `Preview of ${preview.path}`,
      },
      h('figcaption', {}, h('code', {}, preview.path), close),
      this.content(preview),
    );
  }

  private content(preview: Preview): HTMLElement {
    const { path, result, error } = preview;
    if (error) return h('p', { class: 'error' }, error);
    if (!result) return h('p', { class: 'muted' }, 'Loading…');
    const kind = previewKind(path);
    if (kind === 'image') {
      if (result.truncated || result.encoding !== 'base64') {
        return h('p', { class: 'muted' }, `Too large to preview (${formatBytes(result.size)}).`);
      }
      return h('img', {
        class: 'artifact-image',
        src: imageDataUrl(path, result.content),
        alt: path,
      });
    }
    if (result.encoding !== 'utf8') {
      return h(
        'p',
        { class: 'muted' },
        `Not text (${formatBytes(result.size)}): download it to open it.`,
      );
    }
    const note = result.truncated
      ? h(
          'p',
          { class: 'muted' },
          `The first ${formatBytes(TEXT_PREVIEW_BYTES)} of ${formatBytes(result.size)}.`,
        )
      : null;
    if (kind === 'html') {
      return h(
        'div',
        {},
        h('iframe', {
          class: 'artifact-html',
          sandbox: HTML_SANDBOX,
          srcdoc: result.content,
          title: `HTML preview of ${path} (scripts off)`,
          referrerpolicy: 'no-referrer',
        }),
        h('p', { class: 'muted' }, 'Shown sandboxed: its scripts do not run.'),
        note,
      );
    }
    if (kind === 'csv') {
      const rows = parseCsvPreview(result.content, CSV_PREVIEW_ROWS + 1, result.truncated);
      const [header = [], ...body] = rows;
      return h(
        'div',
        { class: 'artifact-csv' },
        h(
          'table',
          { class: 'data csv' },
          h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
          h(
            'tbody',
            {},
            ...body.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell)))),
          ),
        ),
        body.length >= CSV_PREVIEW_ROWS
          ? h('p', { class: 'muted' }, `The first ${CSV_PREVIEW_ROWS} rows.`)
          : note,
      );
    }
    return h(
      'div',
      {},
      h('pre', { class: 'artifact-text', tabindex: '0' }, prettyText(path, result)),
      note,
    );
  }
}

/** JSON re-indented when it parses whole; other text as it is. */
function prettyText(path: string, result: ArtifactsReadResult): string {
  if (!result.truncated && path.toLowerCase().endsWith('.json')) {
    try {
      return JSON.stringify(JSON.parse(result.content), null, 2);
    } catch {
      return result.content;
    }
  }
  return result.content;
}
