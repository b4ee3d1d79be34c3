/**
 * What the loop timeline view shows, as plain functions both IDEs share: the items grouped by turn
 * of the loop, the glyph and words of each kind, and the item a cause link points at.
 */
import type { TimelineItem, TimelineItemKind } from '@sextant/language-server/protocol';
import type { TimelineIteration } from './contract';

/** A glyph and a name for each kind of item. */
export const KIND_LABELS: Record<TimelineItemKind, { glyph: string; name: string }> = {
  alert: { glyph: '▲', name: 'Alert' },
  pipeline_run: { glyph: '▶', name: 'Pipeline run' },
  evaluation: { glyph: '◆', name: 'Evaluation' },
  registration: { glyph: '■', name: 'Registration' },
  alias: { glyph: '●', name: 'Alias' },
  deployment: { glyph: '⬢', name: 'Deployment' },
  traffic: { glyph: '⇄', name: 'Traffic' },
  decision: { glyph: '★', name: 'Decision' },
  promotion: { glyph: '⬆', name: 'Promotion' },
  rollback: { glyph: '⟲', name: 'Rollback' },
};

/** Whether an item starts a turn of the loop: an alert firing, or a pipeline run nothing caused. */
const startsTurn = (item: TimelineItem): boolean =>
  (item.kind === 'alert' && item.status !== 'success') ||
  (item.kind === 'pipeline_run' && item.causedBy === undefined);

/**
 * The items (oldest first) grouped by turn of the loop: a turn starts at each firing alert and at
 * each pipeline run that no alert caused; an item joins the turn of the item its causes lead back
 * to, else the latest turn started before it. Items before the first turn form their own group.
 */
export function iterationsOf(items: readonly TimelineItem[]): TimelineIteration[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const rootOf = (item: TimelineItem): TimelineItem => {
    const seen = new Set<string>();
    let at = item;
    while (at.causedBy && !seen.has(at.id)) {
      seen.add(at.id);
      const cause = byId.get(at.causedBy);
      if (!cause) break;
      at = cause;
    }
    return at;
  };
  const turns = new Map<string, TimelineIteration>();
  const groups: TimelineIteration[] = [];
  let current: TimelineIteration | undefined;
  let before: TimelineIteration | undefined;
  for (const item of items) {
    if (startsTurn(item)) {
      current = {
        title: `Turn ${turns.size + 1}: ${item.title}`,
        start: item.time,
        items: [],
      };
      turns.set(item.id, current);
      groups.push(current);
    }
    const root = rootOf(item);
    const group = turns.get(root.id) ?? current;
    if (group) {
      group.items.push(item);
    } else {
      if (!before) {
        before = { title: 'Before any alert', start: item.time, items: [] };
        groups.unshift(before);
      }
      before.items.push(item);
    }
  }
  return groups;
}

/** The scope of a timeline in words. */
export function scopeText(scope: { deployment?: string; model?: string }): string {
  const parts = [
    ...(scope.deployment ? [`deployment ${scope.deployment}`] : []),
    ...(scope.model ? [`model ${scope.model}`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'every deployment';
}
