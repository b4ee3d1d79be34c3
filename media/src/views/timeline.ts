/**
 * The loop timeline: a vertical line of items (alert, pipeline run, evaluation, registration,
 * alias, deployment change, decision), grouped by turn of the loop, each with a glyph for its kind,
 * its status, who and why, the item that caused it (a link that brings it into view), and a
 * button that opens the run, model version, deployment or report it points at. Pure DOM against a
 * {@link Bridge}.
 */
import type { TimelineItem } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { MessageType, type TimelineSnapshot } from '../contract';
import { KIND_LABELS } from '../timeline';
import { h, replaceChildren } from './dom';

/** What the timeline keeps across reloads: its scope. */
export interface TimelineViewState {
  deployment?: string;
  model?: string;
}

const when = (ms: number): string => new Date(ms).toLocaleString();

/** The words of an item's open button, by where it leads. */
function openLabel(item: TimelineItem): string | undefined {
  switch (item.target?.kind) {
    case 'run':
      return 'Open run';
    case 'pipelineRun':
      return item.target.runId ? 'Open run' : undefined;
    case 'modelVersion':
      return 'Open version';
    case 'deployment':
      return 'Open dashboard';
    case 'experiment':
      return 'Open report';
    default:
      return undefined;
  }
}

/** Mounts the loop timeline in `root`. */
export function mountTimeline(root: HTMLElement, bridge: Bridge): void {
  let snapshot: TimelineSnapshot | undefined;
  const titles = new Map<string, string>();

  const highlight = (id: string): void => {
    const target = root.querySelector<HTMLElement>(`[data-item="${CSS.escape(id)}"]`);
    if (!target) return;
    target.scrollIntoView({ block: 'center', behavior: 'smooth' });
    target.classList.add('flash');
    target.focus();
    setTimeout(() => target.classList.remove('flash'), 1200);
  };

  const itemRow = (item: TimelineItem): HTMLElement => {
    const label = KIND_LABELS[item.kind];
    const open = openLabel(item);
    const cause = item.causedBy ? titles.get(item.causedBy) : undefined;
    return h(
      'li',
      {
        class: `timeline-item kind-${item.kind} state-${item.status}`,
        'data-item': item.id,
        'data-kind': item.kind,
        tabindex: '-1',
      },
      h('span', { class: 'timeline-glyph', 'aria-hidden': 'true', title: label.name }, label.glyph),
      h(
        'div',
        { class: 'timeline-body' },
        h(
          'div',
          { class: 'timeline-head' },
          h('span', { class: 'timeline-kind' }, label.name),
          h('time', { datetime: new Date(item.time).toISOString() }, when(item.time)),
          h('span', { class: `badge state-${item.status}` }, item.status),
        ),
        open
          ? h(
              'button',
              {
                class: 'link timeline-title',
                title: open,
                onclick: () =>
                  item.target &&
                  bridge.post({ type: MessageType.OpenTimelineTarget, target: item.target }),
              },
              item.title,
            )
          : h('span', { class: 'timeline-title' }, item.title),
        item.detail ? h('p', { class: 'timeline-detail muted' }, item.detail) : null,
        cause && item.causedBy
          ? h(
              'p',
              { class: 'timeline-cause' },
              '↳ after ',
              h(
                'button',
                {
                  class: 'link',
                  title: 'Show the item that caused this one',
                  onclick: () => highlight(item.causedBy!),
                },
                cause,
              ),
            )
          : null,
      ),
    );
  };

  const draw = (): void => {
    if (!snapshot) return;
    titles.clear();
    for (const turn of snapshot.iterations) {
      for (const item of turn.items) titles.set(item.id, item.title);
    }
    const count = snapshot.iterations.reduce((n, t) => n + t.items.length, 0);
    replaceChildren(
      root,
      h(
        'header',
        {},
        h('h1', {}, 'Loop timeline'),
        h(
          'p',
          { class: 'meta muted' },
          `${snapshot.scope} · ${count} item${count === 1 ? '' : 's'}`,
          snapshot.truncated ? ' · older items left out' : '',
        ),
      ),
      count === 0
        ? h(
            'p',
            { class: 'muted empty' },
            'Nothing recorded yet: alerts, pipeline runs, registrations and deployment changes show here as they happen.',
          )
        : null,
      ...snapshot.iterations.map((turn) =>
        h(
          'section',
          { class: 'timeline-turn', 'aria-label': turn.title },
          h('h2', {}, turn.title),
          h('ol', { class: 'timeline loop-timeline' }, ...turn.items.map(itemRow)),
        ),
      ),
    );
  };

  bridge.listen((message) => {
    switch (message.type) {
      case MessageType.TimelineSnapshot:
        snapshot = message;
        bridge.setState<TimelineViewState>({
          ...(message.deployment ? { deployment: message.deployment } : {}),
          ...(message.model ? { model: message.model } : {}),
        });
        draw();
        return;
      default:
        console.warn('sextant timeline view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
