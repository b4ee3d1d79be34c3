/**
 * The `monitors:` and `alerts:` sections of sextant.yaml, checked against monitor.schema.json,
 * with their defaults filled in.
 */
import Ajv, { type ErrorObject } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { invalid, notFound } from '../model/errors';
import type { DriftMethod } from './drift';
import {
  checkMetricName,
  defaultComparison,
  type AlertRule,
  type Comparison,
  type Severity,
} from './rules';
import type { Slo } from './windowCheck';
import { parseDurationMs, parseWindow, type WindowSize } from './windows';

/** A monitor as declared, with defaults. */
export interface MonitorSpec {
  name: string;
  deployment: string;
  variant: string;
  window: WindowSize;
  /** How often a hosting process checks for closed windows, ms. */
  everyMs: number;
  driftShare: number;
  ranges: Record<string, [number, number]>;
  columns: Record<string, { method?: DriftMethod; threshold?: number }>;
  slo: Slo;
}

/** The monitors and alert rules of a file. */
export interface MonitoringSpec {
  monitors: MonitorSpec[];
  alerts: AlertRule[];
}

/** The published schema of the `monitors:` and `alerts:` sections. */
function schemaFile(): string {
  const inPackage = path.resolve(__dirname, '..', '..', 'schemas', 'monitor.schema.json');
  if (fs.existsSync(inPackage)) return inPackage;
  // A bundle (the VS Code extension's out/, the wheel's runtime) has the schemas in schemas/.
  const besideBundle = [
    path.join(__dirname, 'schemas', 'monitor.schema.json'),
    path.join(__dirname, 'monitor.schema.json'),
  ].find((file) => fs.existsSync(file));
  return besideBundle ?? inPackage;
}

let validate: ReturnType<Ajv['compile']> | undefined;

function describe(error: ErrorObject): string {
  const at = error.instancePath.slice(1).replace(/\//g, '.') || 'monitors';
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `unknown field '${String(p.additionalProperty)}' in ${at}`;
  if (error.keyword === 'required') return `missing field '${String(p.missingProperty)}' in ${at}`;
  return `${at}: ${error.message ?? error.keyword}`;
}

interface RawMonitor {
  deployment: string;
  variant?: string;
  window?: string | number;
  every?: string;
  drift_share?: number;
  ranges?: Record<string, [number, number]>;
  columns?: Record<string, { method?: DriftMethod; threshold?: number }>;
  slo?: { p99_latency_ms?: number; error_rate?: number };
}

interface RawAlert {
  monitor: string;
  metric: string;
  op?: Comparison;
  threshold: number;
  for?: number;
  severity?: Severity;
  summary?: string;
}

/**
 * The monitors and alerts of a parsed sextant.yaml document (its other sections ignored).
 * @throws SextantError INVALID_PARAMETER_VALUE naming every problem found.
 */
export function parseMonitoring(document: unknown, file = 'sextant.yaml'): MonitoringSpec {
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Record<
    string,
    unknown
  >;
  const section = {
    ...(doc.monitors != null ? { monitors: doc.monitors } : {}),
    ...(doc.alerts != null ? { alerts: doc.alerts } : {}),
  };
  validate ??= new Ajv({ allErrors: true }).compile(
    JSON.parse(fs.readFileSync(schemaFile(), 'utf8')) as object,
  );
  if (!validate(section)) {
    const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf').map(describe);
    throw invalid(`${file}: ${[...new Set(problems)].join('; ')}`);
  }
  const monitors = Object.entries((section.monitors ?? {}) as Record<string, RawMonitor>).map(
    ([name, m]): MonitorSpec => ({
      name,
      deployment: m.deployment,
      variant: m.variant ?? 'champion',
      window: parseWindow(m.window ?? 1000),
      everyMs: parseDurationMs(m.every ?? '30s')!,
      driftShare: m.drift_share ?? 0.5,
      ranges: m.ranges ?? {},
      columns: m.columns ?? {},
      slo: {
        ...(m.slo?.p99_latency_ms !== undefined ? { p99LatencyMs: m.slo.p99_latency_ms } : {}),
        ...(m.slo?.error_rate !== undefined ? { errorRate: m.slo.error_rate } : {}),
      },
    }),
  );
  const names = new Set(monitors.map((m) => m.name));
  const alerts = Object.entries((section.alerts ?? {}) as Record<string, RawAlert>).map(
    ([name, a]): AlertRule => {
      if (!names.has(a.monitor)) {
        throw invalid(
          `${file}: alerts.${name}: no monitor named '${a.monitor}' (monitors: ${[...names].join(', ') || 'none'})`,
        );
      }
      return {
        name,
        monitor: a.monitor,
        metric: checkMetricName(a.metric, `${file}: alerts.${name}`),
        op: a.op ?? defaultComparison(a.metric),
        threshold: a.threshold,
        for: a.for ?? 1,
        severity: a.severity ?? 'warning',
        ...(a.summary ? { summary: a.summary } : {}),
      };
    },
  );
  return { monitors, alerts };
}

/** Reads the monitors and alerts of a sextant.yaml file. */
export function readMonitoring(file: string): MonitoringSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw notFound(`${file} does not exist`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw invalid(`${file}: ${(error as Error).message}`);
  }
  return parseMonitoring(document, file);
}
