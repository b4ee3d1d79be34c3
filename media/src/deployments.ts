/**
 * How a deployment reads in a list (the Deployments views of both IDEs) and on its dashboard: one
 * place for the words and number formats, so the tree, the panel and the dashboard agree.
 */
import type {
  ServingDeploymentSummary,
  ServingLiveSummary,
  ServingVariant,
} from '@sextant/language-server/protocol';

/** Requests per second, e.g. `12.3 req/s`. */
export function formatRate(rate: number): string {
  return `${rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2)} req/s`;
}

/** A latency in ms, e.g. `4.2 ms`; `–` when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

/** A share 0..1 as a percentage, e.g. `0.5%`. */
export function formatPercent(share: number): string {
  const p = share * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** The live figures in one line: `3.10 req/s · p50 2.1 ms · p99 9.8 ms · 0% errors`. */
export function liveLine(live: ServingLiveSummary): string {
  return `${formatRate(live.requestRate)} · p50 ${formatMs(live.p50Ms)} · p99 ${formatMs(live.p99Ms)} · ${formatPercent(live.errorRate)} errors`;
}

/** The share of traffic of each variant taking traffic, in percent of the total weight. */
export function trafficShares(variants: readonly ServingVariant[]): Record<string, number> {
  const served = variants.filter((v) => !v.shadow);
  const total = served.reduce((s, v) => s + v.weight, 0);
  return Object.fromEntries(
    served.map((v) => [v.name, total > 0 ? Math.round((v.weight / total) * 1000) / 10 : 0]),
  );
}

/** A variant in a list: `models:/churn@champion · v3 · 90% · 2 replicas`. */
export function variantDescription(v: ServingVariant, sharePercent: number | undefined): string {
  const share = v.shadow ? 'shadow' : `${sharePercent ?? 0}%`;
  return `v${v.version} · ${share} · ${v.replicas} replica${v.replicas === 1 ? '' : 's'}`;
}

/** The description beside a deployment's name in a list. */
export function deploymentDescription(d: ServingDeploymentSummary): string {
  if (d.status === 'declared') return 'declared in sextant.yaml · not deployed';
  if (d.status === 'stopped') return 'stopped';
  const shares = trafficShares(d.variants);
  const split = d.variants
    .filter((v) => !v.shadow)
    .map((v) => `${v.name} ${shares[v.name]}%`)
    .join(' / ');
  return [split, d.live ? liveLine(d.live) : undefined].filter(Boolean).join(' · ');
}

/** A deployment's tooltip: status, URL, every variant, live figures. */
export function deploymentTooltip(d: ServingDeploymentSummary): string {
  const shares = trafficShares(d.variants);
  return [
    `${d.name}: ${d.status}${d.url ? ` at ${d.url}` : ''}`,
    ...d.variants.map(
      (v) =>
        `${v.name}: ${v.uri} (version ${v.version}) · ${variantDescription(v, shares[v.name])}`,
    ),
    d.live ? `Last minute: ${liveLine(d.live)}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

/** A deployment name made from a model name (what a Deploy form proposes). */
export function suggestedDeploymentName(model: string): string {
  const cleaned = model
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 120);
  return `${cleaned || 'model'}-api`;
}

/** Weights with the canary (the one other variant) at `canaryPercent` and the champion the rest. */
export function canaryWeights(
  champion: string,
  canary: string,
  canaryPercent: number,
): Record<string, number> {
  const c = Math.max(0, Math.min(100, Math.round(canaryPercent)));
  return { [champion]: 100 - c, [canary]: c };
}
