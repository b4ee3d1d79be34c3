/** Which timeline a command opens, from what it was invoked on. */
import type { TimelineScope } from '@sextant/media/presenters/timeline';

/**
 * The scope a node of the Deployments or Models view (or `{ deployment }` / `{ model }`) names:
 * a deployment, a registered model (a version's model), or undefined when it names neither.
 */
export function scopeOfNode(node: unknown): TimelineScope | undefined {
  const n = (node ?? {}) as {
    kind?: unknown;
    deployment?: unknown;
    model?: unknown;
    version?: unknown;
  };
  if (n.kind === 'deployment') {
    const name = (n.deployment as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? { deployment: name } : undefined;
  }
  if (n.kind === 'model') {
    const name = (n.model as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? { model: name } : undefined;
  }
  if (n.kind === 'version') {
    const name = (n.version as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? { model: name } : undefined;
  }
  const scope = {
    ...(typeof n.deployment === 'string' && n.deployment !== ''
      ? { deployment: n.deployment }
      : {}),
    ...(typeof n.model === 'string' && n.model !== '' ? { model: n.model } : {}),
  };
  return Object.keys(scope).length > 0 ? scope : undefined;
}

/** The key of a scope's panel: one panel per scope. */
export const scopeKey = (scope: TimelineScope): string =>
  `${scope.deployment ?? ''}\n${scope.model ?? ''}`;

/** A panel's title for a scope. */
export function scopeTitle(scope: TimelineScope): string {
  const of = scope.deployment ?? scope.model;
  return of ? `Loop timeline: ${of}` : 'Loop timeline';
}
