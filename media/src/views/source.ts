/** The run page's Source section: script, git commit (linked when the forge is known), diff or script copy. */
import type { KeyValue } from '@sextant/language-server/protocol';
import { runSource } from '../source';
import { h } from './dom';

/** The section's children; `preview` opens an artifact in the artifacts panel. */
export function sourceSection(
  tags: readonly KeyValue[],
  preview: (path: string) => void,
): HTMLElement[] {
  const s = runSource(tags);
  const show = (path: string, text: string, action: string): HTMLElement =>
    h(
      'button',
      { class: 'secondary small', 'data-action': action, onclick: () => preview(path) },
      text,
    );
  const rows: HTMLElement[] = [];
  if (s.script) rows.push(h('p', {}, 'Script: ', h('code', {}, s.script)));
  if (s.command && s.command !== s.script)
    rows.push(h('p', {}, 'Command: ', h('code', {}, s.command)));
  if (s.commit) {
    rows.push(
      h(
        'p',
        {},
        'Commit: ',
        s.commitUrl
          ? h(
              'a',
              { href: s.commitUrl, title: s.commitUrl, rel: 'noopener noreferrer' },
              h('code', {}, s.commit.slice(0, 12)),
            )
          : h('code', { title: s.commit }, s.commit.slice(0, 12)),
        s.branch ? ` on ${s.branch}` : '',
        s.dirty === true
          ? h('span', { class: 'muted' }, ' · with uncommitted changes')
          : s.dirty === false
            ? h('span', { class: 'muted' }, ' · clean')
            : '',
        ' ',
        s.diffArtifact ? show(s.diffArtifact, 'Show the diff', 'show-diff') : null,
      ),
    );
  }
  if (s.snapshotArtifact) {
    rows.push(
      h(
        'p',
        {},
        'Snapshot of the script at start: ',
        h('code', {}, s.snapshotArtifact),
        ' ',
        show(s.snapshotArtifact, 'Show the script', 'show-script'),
      ),
    );
  }
  if (!s.commit && !s.snapshotArtifact) {
    rows.push(
      h(
        'p',
        { class: 'muted empty' },
        s.script
          ? 'No git commit and no copy of the script were recorded. Run it in a git repository, or with `sextant run -- python script.py` to keep a copy.'
          : 'No source recorded.',
      ),
    );
  }
  return [h('h2', {}, 'Source'), ...rows];
}
