/**
 * The fix offered when MLflow refuses a filter over a bare name (`test_accuracy > 0.9`): the
 * qualified name meant (`metrics.test_accuracy`) and the filter with it. Shared by the runs table
 * and JupyterLab's sidebar.
 */

/** The metric, param and tag names a store holds. */
export interface FilterKeys {
  metrics: readonly string[];
  params: readonly string[];
  tags: readonly string[];
}

/** When MLflow refused a bare name that is a metric, param or tag, the filter name meant. */
export function filterSuggestion(error: string, keys: FilterKeys): string | undefined {
  const key = /key '([^']+)'/.exec(error)?.[1];
  if (!key) return undefined;
  if (keys.metrics.includes(key)) return `metrics.${key}`;
  if (keys.params.includes(key)) return `params.${key}`;
  if (keys.tags.includes(key)) return `tags.${key}`;
  return undefined;
}

/** `filter` with its first bare use of `meant`'s name qualified as `meant`. */
export function withSuggestion(filter: string, meant: string): string {
  const bare = meant.slice(meant.indexOf('.') + 1);
  return filter.replace(
    new RegExp(`(^|[^.\\w\`])${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`),
    `$1${meant}`,
  );
}
