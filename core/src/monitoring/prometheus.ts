/**
 * Monitoring in Prometheus terms: each window metric as a gauge
 * (`sextant_monitor_<metric>{monitor, deployment, variant[, feature]}`) in a prom-client registry
 * (the deployment's `/metrics`), and the alert rules as a Prometheus alerting-rules file over
 * those gauges (`promtool check rules` accepts it).
 */
import { Gauge, type Registry } from 'prom-client';
import { stringify } from 'yaml';
import type { MonitorSpec } from './monitorSpec';
import type { AlertRule } from './rules';
import type { MonitorWindow } from './monitorStore';
import { formatWindow } from './windows';

/** The gauge name of a window metric (the base name for a per-feature one). */
export const gaugeName = (metric: string): string =>
  `sextant_monitor_${metric.split(':', 1)[0]!.replace(/[^a-zA-Z0-9_]/g, '_')}`;

/** A PromQL string literal. */
const literal = (text: string): string => JSON.stringify(text);

/** Seconds as a Prometheus duration (`90s`, `2m`, `1h`). */
function promDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** A rule's PromQL expression over its monitor's gauge. */
export function ruleExpression(rule: AlertRule, monitor: MonitorSpec | undefined): string {
  const [base, feature] = rule.metric.split(':', 2);
  const labels = [`monitor=${literal(rule.monitor)}`];
  if (monitor) labels.push(`deployment=${literal(monitor.deployment)}`);
  if (feature !== undefined) labels.push(`feature=${literal(feature)}`);
  return `${gaugeName(base!)}{${labels.join(',')}} ${rule.op} ${rule.threshold}`;
}

/**
 * The alert rules as a Prometheus rule file (YAML): one group, an alerting rule per rule, its
 * `for` the rule's consecutive windows times the monitor's check interval (a Prometheus rule
 * is evaluated over time, not over windows).
 */
export function prometheusRules(
  rules: readonly AlertRule[],
  monitors: readonly MonitorSpec[],
  group = 'sextant-monitoring',
): string {
  const byName = new Map(monitors.map((m) => [m.name, m]));
  const doc = {
    groups: [
      {
        name: group,
        rules: rules.map((rule) => {
          const monitor = byName.get(rule.monitor);
          const interval = monitor
            ? monitor.window.kind === 'time'
              ? Math.max(monitor.window.ms, monitor.everyMs)
              : monitor.everyMs
            : 60_000;
          return {
            alert: rule.name,
            expr: ruleExpression(rule, monitor),
            ...(rule.for > 1 ? { for: promDuration((rule.for - 1) * interval) } : {}),
            labels: {
              severity: rule.severity,
              monitor: rule.monitor,
              ...(monitor ? { deployment: monitor.deployment } : {}),
            },
            annotations: {
              summary:
                rule.summary ??
                `${rule.metric} ${rule.op} ${rule.threshold} on monitor ${rule.monitor}`,
              description: `Sextant monitor ${rule.monitor}${monitor ? ` (deployment ${monitor.deployment}, variant ${monitor.variant}, window ${formatWindow(monitor.window)})` : ''}: ${rule.metric} is {{ $value }}, threshold ${rule.op} ${rule.threshold} for ${rule.for} window(s).`,
            },
          };
        }),
      },
    ],
  };
  return stringify(doc, { lineWidth: 0 });
}

/** Gauges of the latest window of each monitor, in a prom-client registry. */
export class MonitorGauges {
  private readonly gauges = new Map<string, Gauge>();

  constructor(private readonly registry: Registry) {}

  /** Sets every metric of a window (per-feature ones with a `feature` label). */
  observe(window: MonitorWindow): void {
    const base = {
      monitor: window.monitor,
      deployment: window.deployment,
      variant: window.variant ?? '',
    };
    for (const [metric, value] of Object.entries(window.metrics)) {
      const [, feature] = metric.split(':', 2);
      const gauge = this.gauge(metric, feature !== undefined);
      gauge.set(feature !== undefined ? { ...base, feature } : base, value);
    }
  }

  private gauge(metric: string, perFeature: boolean): Gauge {
    const name = gaugeName(metric);
    let gauge = this.gauges.get(name);
    if (!gauge) {
      gauge = new Gauge({
        name,
        help: `Sextant monitoring: ${metric.split(':', 1)[0]} of the latest checked window`,
        labelNames: perFeature
          ? ['monitor', 'deployment', 'variant', 'feature']
          : ['monitor', 'deployment', 'variant'],
        registers: [this.registry],
      });
      this.gauges.set(name, gauge);
    }
    return gauge;
  }
}
