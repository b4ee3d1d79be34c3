/**
 * The editable parts of the run view: its note (MLflow's `mlflow.note.content` tag, Markdown
 * drawn safely) and its tags (add, edit, delete). Edits go to the host as messages; the host
 * answers with the run as it is now, or with {@link MessageType.RunEditFailed}.
 */
import type { KeyValue } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { MessageType } from '../contract';
import { h, replaceChildren } from './dom';
import { renderMarkdown } from './markdown';

/** The tag that holds a run's or an experiment's note, as MLflow's UI writes it. */
export const NOTE_TAG = 'mlflow.note.content';

/** True for tags that MLflow and Sextant set themselves: shown, not edited. */
export function isSystemTag(key: string): boolean {
  return key.startsWith('mlflow.') || key.startsWith('sextant.');
}

/** The note section: the note drawn, Edit opens a text box; Save sets the tag, empty deletes it. */
export class NoteEditor {
  readonly element = h('section', { 'aria-label': 'Description', class: 'run-note' });
  private note = '';
  private editing = false;
  private error: string | undefined;

  constructor(private readonly bridge: Bridge) {}

  /** Shows the run's note (unless the user is editing it). */
  show(tags: readonly KeyValue[]): void {
    this.note = tags.find((t) => t.key === NOTE_TAG)?.value ?? '';
    if (!this.editing) this.render();
  }

  /** An edit failed: keep the text box open, with the reason. */
  failed(error: string): void {
    this.error = error;
    this.editing = true;
    this.render();
  }

  private render(draft?: string): void {
    const edit = h(
      'button',
      {
        class: 'secondary small',
        'data-action': 'edit-note',
        onclick: () => {
          this.editing = true;
          this.error = undefined;
          this.render();
        },
      },
      this.note ? 'Edit' : 'Add a description',
    );
    if (!this.editing) {
      replaceChildren(
        this.element,
        h('h2', {}, 'Description', ' ', edit),
        this.note
          ? h('div', { class: 'markdown', 'data-note': '' }, ...renderMarkdown(this.note))
          : h('p', { class: 'muted empty' }, 'No description. Markdown is welcome.'),
      );
      return;
    }
    const box = h('textarea', {
      class: 'note-input',
      rows: '6',
      'aria-label': 'Description (Markdown)',
      placeholder: 'What this run tried, what it showed… (Markdown)',
    });
    box.value = draft ?? this.note;
    const save = h(
      'button',
      {
        'data-action': 'save-note',
        onclick: () => {
          const value = box.value.trim();
          this.editing = false;
          this.error = undefined;
          if (value === this.note.trim()) return this.render();
          this.note = value;
          this.render();
          if (value === '') this.bridge.post({ type: MessageType.DeleteRunTag, key: NOTE_TAG });
          else this.bridge.post({ type: MessageType.SetRunTag, key: NOTE_TAG, value });
        },
      },
      'Save',
    );
    const cancel = h(
      'button',
      {
        class: 'secondary',
        onclick: () => {
          this.editing = false;
          this.error = undefined;
          this.render();
        },
      },
      'Cancel',
    );
    replaceChildren(
      this.element,
      h('h2', {}, 'Description'),
      box,
      this.error ? h('p', { class: 'error', role: 'alert' }, this.error) : null,
      h('p', { class: 'actions' }, save, ' ', cancel),
    );
    box.focus();
  }
}

/**
 * The tags section: user tags editable in place, MLflow's and Sextant's own below, read-only.
 * What the user is typing (a new tag, a value being edited) survives the snapshots a live run
 * brings; it is cleared once the run shows the change.
 */
export class TagsEditor {
  readonly element = h('section', { 'aria-label': 'Tags' });
  private tags: KeyValue[] = [];
  private editingKey: string | undefined;
  private error: string | undefined;
  /** The edit sent and not yet seen in a snapshot. */
  private pending: { kind: 'add' | 'edit'; tag: KeyValue } | undefined;
  private readonly newKey = h('input', {
    'aria-label': 'New tag key',
    placeholder: 'key',
    class: 'tag-key',
  });
  private readonly newValue = h('input', {
    'aria-label': 'New tag value',
    placeholder: 'value',
    class: 'tag-value',
  });
  private readonly editValue = h('input', { class: 'tag-value' });

  constructor(private readonly bridge: Bridge) {
    this.newValue.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') this.add();
    });
    this.editValue.addEventListener('keydown', (e) => {
      const key = (e as KeyboardEvent).key;
      if (key === 'Enter') this.saveEdit();
      if (key === 'Escape') {
        this.editingKey = undefined;
        this.render();
      }
    });
  }

  show(tags: readonly KeyValue[]): void {
    this.tags = [...tags].sort((a, b) => a.key.localeCompare(b.key));
    const done = this.pending;
    if (done && this.tags.some((t) => t.key === done.tag.key && t.value === done.tag.value)) {
      if (done.kind === 'add') {
        this.newKey.value = '';
        this.newValue.value = '';
      } else if (this.editingKey === done.tag.key) {
        this.editingKey = undefined;
      }
      this.pending = undefined;
    }
    if (this.editingKey !== undefined && !this.tags.some((t) => t.key === this.editingKey)) {
      this.editingKey = undefined;
    }
    this.render();
  }

  failed(key: string, error: string): void {
    this.error = `${key || 'Tag'}: ${error}`;
    this.pending = undefined;
    this.render();
  }

  private add(): void {
    const key = this.newKey.value.trim();
    if (!key) {
      this.error = 'A tag needs a key.';
      this.render();
      return;
    }
    this.error = undefined;
    this.pending = { kind: 'add', tag: { key, value: this.newValue.value } };
    this.bridge.post({ type: MessageType.SetRunTag, key, value: this.newValue.value });
  }

  private saveEdit(): void {
    const key = this.editingKey;
    if (key === undefined) return;
    this.error = undefined;
    this.pending = { kind: 'edit', tag: { key, value: this.editValue.value } };
    this.bridge.post({ type: MessageType.SetRunTag, key, value: this.editValue.value });
  }

  private render(): void {
    const user = this.tags.filter((t) => !isSystemTag(t.key));
    const system = this.tags.filter((t) => isSystemTag(t.key) && t.key !== NOTE_TAG);
    replaceChildren(
      this.element,
      h('h2', {}, 'Tags'),
      h(
        'table',
        { class: 'data tags-table' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Tag', 'Value', ''].map((t) => h('th', { scope: 'col' }, t))),
        ),
        h(
          'tbody',
          {},
          ...user.map((tag) => this.row(tag)),
          h(
            'tr',
            { class: 'tag-new' },
            h('td', {}, this.newKey),
            h('td', {}, this.newValue),
            h(
              'td',
              { class: 'actions' },
              h('button', { 'data-action': 'add-tag', onclick: () => this.add() }, 'Add tag'),
            ),
          ),
        ),
      ),
      this.error ? h('p', { class: 'error', role: 'alert' }, this.error) : null,
      system.length === 0
        ? null
        : h(
            'details',
            { class: 'system-tags' },
            h('summary', {}, `MLflow and Sextant tags (${system.length})`),
            h(
              'table',
              { class: 'data' },
              h(
                'tbody',
                {},
                ...system.map((t) =>
                  h('tr', {}, h('td', {}, h('code', {}, t.key)), h('td', {}, t.value)),
                ),
              ),
            ),
          ),
    );
  }

  private row(tag: KeyValue): HTMLTableRowElement {
    if (this.editingKey === tag.key) {
      const input = this.editValue;
      input.setAttribute('aria-label', `Value of ${tag.key}`);
      return h(
        'tr',
        { 'data-tag': tag.key },
        h('td', {}, h('code', {}, tag.key)),
        h('td', {}, input),
        h(
          'td',
          { class: 'actions' },
          h('button', { 'data-action': 'save-tag', onclick: () => this.saveEdit() }, 'Save'),
          ' ',
          h(
            'button',
            {
              class: 'secondary',
              onclick: () => {
                this.editingKey = undefined;
                this.render();
              },
            },
            'Cancel',
          ),
        ),
      );
    }
    return h(
      'tr',
      { 'data-tag': tag.key },
      h('td', {}, h('code', {}, tag.key)),
      h('td', {}, tag.value),
      h(
        'td',
        { class: 'actions' },
        h(
          'button',
          {
            class: 'secondary small',
            'data-action': 'edit-tag',
            'aria-label': `Edit the tag ${tag.key}`,
            onclick: () => {
              this.editingKey = tag.key;
              this.editValue.value = tag.value;
              this.render();
              this.editValue.focus();
            },
          },
          'Edit',
        ),
        ' ',
        h(
          'button',
          {
            class: 'secondary small',
            'data-action': 'delete-tag',
            'aria-label': `Delete the tag ${tag.key}`,
            onclick: () => this.bridge.post({ type: MessageType.DeleteRunTag, key: tag.key }),
          },
          'Delete',
        ),
      ),
    );
  }
}
