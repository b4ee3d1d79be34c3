/**
 * The monitoring service: reference profiles of model versions, checks of inference-log windows
 * against them (scheduled tumbling windows and on-demand latest windows), the alert rules'
 * state kept as recorded events, and a feed of firing alerts for pipeline triggers. Every check
 * and every alert is in the store, so any process over the same store (the deployment, the CLI,
 * the language server) sees the same windows and the same alert state.
 */
import type Database from 'better-sqlite3';
import { invalid, notFound } from '../model/errors';
import { signatureFeatures, type FeatureSpec } from './features';
import {
  MonitorStore,
  type AlertEvent,
  type MonitorWindow,
  type ReferenceInfo,
} from './monitorStore';
import type { MonitorSpec } from './monitorSpec';
import {
  decodeReference,
  encodeReference,
  readReferenceFile,
  type ReferenceData,
} from './referenceData';
import { categoryHistogram, numericHistogram, type FeatureHistogram } from './histogram';
import { performanceMetrics, type FeedbackLookup } from './performance';
import { ruleTransition, type AlertRule } from './rules';
import type { Category } from './samples';
import { checkWindow, prepareReference, type PreparedReference } from './windowCheck';
import { keysAfter, readWindow, type WindowQuery } from './windowReader';
import { dueCountWindows, dueTimeWindows, type WindowSize } from './windows';

/** A registered version, as monitoring needs it. */
export interface MonitoredVersion {
  name: string;
  version: string;
  /** The MLflow signature's inputs (JSON text), when the version has one. */
  signatureInputs?: string;
}

/** What the service asks of the registry (the engine passes it). */
export interface VersionLookup {
  /** `models:/name/N` or `models:/name@alias` to its version. */
  resolve(uri: string): Promise<MonitoredVersion>;
}

/** Options of {@link MonitoringService.setReference}. */
export interface SetReferenceOptions {
  /** The column holding the model's predictions on the data. */
  prediction?: string;
  /** Columns that are no feature, when the version has no signature to name them. */
  exclude?: string[];
  user: string;
  /** Recorded as the reference's source (default: the file). */
  source?: string;
}

/** One window checked, with what it did to the alert rules. */
export interface CheckResult {
  window: MonitorWindow;
  alerts: AlertEvent[];
  /** Why drift was not checked (no reference for the served version), when it was not. */
  problem?: string;
}

/** Firing alerts as a pipeline trigger source reads them. */
export interface AlertFeed {
  /** Calls `listener` for each alert that fires from now on; returns the unsubscribe. */
  subscribe(listener: (alert: AlertEvent) => void): () => void;
}

/** The monitoring capability over one store. */
export class MonitoringService {
  readonly store: MonitorStore;
  private readonly prepared = new Map<number, PreparedReference>();

  constructor(
    private readonly db: Database.Database,
    private readonly versions: VersionLookup,
    /** Outcomes of served requests, for accuracy, F1, RMSE per window (none: not measured). */
    private readonly feedback?: FeedbackLookup,
  ) {
    this.store = new MonitorStore(db);
  }

  /**
   * Sets a version's reference profile from a CSV or Parquet file: the signature's features
   * (all columns but the prediction and `exclude` when it has none) and the predictions.
   */
  async setReference(
    uri: string,
    file: string,
    options: SetReferenceOptions,
  ): Promise<ReferenceInfo> {
    const version = await this.versions.resolve(uri);
    const data = await readReferenceFile(file, {
      features: signatureFeatures(version.signatureInputs),
      ...(options.prediction ? { prediction: options.prediction } : {}),
      ...(options.exclude ? { exclude: options.exclude } : {}),
    });
    return this.saveReference(version, data, options.source ?? file, options.user);
  }

  /** Stores reference data for a version. */
  saveReference(
    version: Pick<MonitoredVersion, 'name' | 'version'>,
    data: ReferenceData,
    source: string,
    user: string,
  ): ReferenceInfo {
    return this.store.saveReference(
      {
        model: version.name,
        version: version.version,
        source,
        time: Date.now(),
        user,
        rows: data.rows,
        features: data.features.map((f) => f.name),
        ...(data.prediction ? { prediction: data.prediction.name } : {}),
      },
      encodeReference(data),
    );
  }

  /** The newest reference of a version, prepared (cached by id). */
  reference(model: string, version: string): PreparedReference | undefined {
    const stored = this.store.reference(model, version);
    if (!stored) return undefined;
    let prepared = this.prepared.get(stored.info.id);
    if (!prepared) {
      prepared = prepareReference(decodeReference(stored.data));
      this.prepared.set(stored.info.id, prepared);
    }
    return prepared;
  }

  /** The served version of a monitor's variant: that of its newest logged request. */
  private servedVersion(spec: MonitorSpec): { model: string; version: string } | undefined {
    const row = this.db
      .prepare(
        `SELECT model, version FROM inference_log WHERE deployment = ? AND variant = ? ORDER BY log_pk DESC LIMIT 1`,
      )
      .get(spec.deployment, spec.variant) as { model: string; version: string } | undefined;
    return row;
  }

  /**
   * Checks the latest window of a monitor now (`size` instead of the monitor's own), records it
   * as an on-demand window, and applies the alert rules.
   */
  checkLatest(
    spec: MonitorSpec,
    rules: readonly AlertRule[],
    size: WindowSize = spec.window,
    user = 'sextant',
    now = Date.now(),
  ): CheckResult {
    const query: WindowQuery = { deployment: spec.deployment, variant: spec.variant };
    if (size.kind === 'count') query.latest = size.requests;
    else {
      query.start = now - size.ms;
      query.end = now + 1;
    }
    return this.checkSpan(
      spec,
      rules,
      query,
      'on-demand',
      user,
      now,
      size.kind === 'time' ? { start: now - size.ms, end: now } : undefined,
    );
  }

  /**
   * Checks every scheduled window of a monitor that has closed since the last one checked
   * (tumbling: each starts where the last ended), oldest first, applying the rules after each.
   */
  checkDue(spec: MonitorSpec, rules: readonly AlertRule[], now = Date.now()): CheckResult[] {
    const last = this.store.lastWindow(spec.name, 'scheduled');
    const results: CheckResult[] = [];
    if (spec.window.kind === 'time') {
      for (const span of dueTimeWindows(spec.window.ms, now, last?.end)) {
        const query = {
          deployment: spec.deployment,
          variant: spec.variant,
          start: span.start,
          end: span.end,
        };
        results.push(this.checkSpan(spec, rules, query, 'scheduled', 'sextant', now, span));
      }
      return results;
    }
    const size = spec.window.requests;
    const keys = keysAfter(this.db, spec.deployment, spec.variant, last?.lastKey ?? 0, size * 24);
    for (const w of dueCountWindows(keys, size)) {
      const query = {
        deployment: spec.deployment,
        variant: spec.variant,
        afterKey: w.first - 1,
        untilKey: w.last,
      };
      results.push(this.checkSpan(spec, rules, query, 'scheduled', 'sextant', now));
    }
    return results;
  }

  private checkSpan(
    spec: MonitorSpec,
    rules: readonly AlertRule[],
    query: WindowQuery,
    kind: MonitorWindow['kind'],
    user: string,
    now: number,
    span?: { start: number; end: number },
  ): CheckResult {
    const served = this.servedVersion(spec);
    const reference = served ? this.reference(served.model, served.version) : undefined;
    const features: FeatureSpec[] = reference?.data.features ?? [];
    const data = readWindow(
      this.db,
      { ...query, requestIds: this.feedback !== undefined },
      features,
      reference?.data.prediction?.kind ?? 'categorical',
    );
    const check = reference
      ? checkWindow(reference, data, {
          driftShare: spec.driftShare,
          ranges: spec.ranges,
          methods: spec.columns,
          slo: spec.slo,
        })
      : checkWindow(prepareReference({ features: [], rows: 0, columns: {} }), data, {
          slo: spec.slo,
        });
    if (this.feedback && data.rows > 0) {
      const outcomes = this.feedback.outcomes({
        deployment: spec.deployment,
        variant: spec.variant,
        since: data.firstTime,
        until: data.lastTime + 1,
      });
      Object.assign(
        check.metrics,
        performanceMetrics(data.predictions, data.rowRequestIds, outcomes),
      );
    }
    const window = this.store.saveWindow(
      {
        monitor: spec.name,
        deployment: spec.deployment,
        variant: spec.variant,
        ...(data.model !== undefined ? { model: data.model, version: data.version! } : {}),
        kind,
        start: span?.start ?? data.firstTime,
        end: span?.end ?? data.lastTime,
        ...(data.requests > 0
          ? { lastKey: data.lastKey }
          : query.untilKey !== undefined
            ? { lastKey: query.untilKey }
            : {}),
        requests: data.requests,
        rows: data.rows,
        checkedTime: now,
        metrics: check.metrics,
        features: check.features,
      },
      check,
    );
    const alerts = this.applyRules(spec, rules, window, user, now);
    return {
      window,
      alerts,
      ...(reference
        ? {}
        : {
            problem: served
              ? `no reference profile for ${served.model} version ${served.version}: set one with sextant monitor reference models:/${served.model}/${served.version} --data FILE`
              : `no request of deployment '${spec.deployment}' variant '${spec.variant}' is logged yet`,
          }),
    };
  }

  /** Applies a monitor's rules after a new window; records and returns the transitions. */
  private applyRules(
    spec: MonitorSpec,
    rules: readonly AlertRule[],
    window: MonitorWindow,
    user: string,
    now: number,
  ): AlertEvent[] {
    const mine = rules.filter((r) => r.monitor === spec.name);
    if (mine.length === 0) return [];
    const depth = Math.max(...mine.map((r) => r.for));
    // Scheduled and on-demand windows are two series: a rule counts windows of one series.
    const recent = this.store.windows(spec.name, depth, window.kind).map((w) => w.metrics);
    const events: AlertEvent[] = [];
    for (const rule of mine) {
      const transition = ruleTransition(rule, recent, this.store.firing(rule.name));
      if (!transition) continue;
      events.push(
        this.store.recordAlert({
          rule: rule.name,
          monitor: spec.name,
          deployment: spec.deployment,
          state: transition.state,
          severity: rule.severity,
          time: now,
          user,
          window: window.id,
          value: transition.value,
          threshold: rule.threshold,
          evidence: {
            metric: rule.metric,
            op: rule.op,
            for: rule.for,
            values: transition.values,
            model: window.model ?? null,
            version: window.version ?? null,
            requests: window.requests,
            driftedFeatures: window.features.filter((f) => f.drifted).map((f) => f.feature),
            ...(rule.summary ? { summary: rule.summary } : {}),
          },
        }),
      );
    }
    return events;
  }

  /**
   * A feature's distribution in a checked window against its version's reference (the window's
   * requests read again from the log).
   * @throws SextantError NOT_FOUND for an unknown window, or a version or feature without a reference.
   */
  histogram(windowId: number, feature: string, bins = 20): FeatureHistogram {
    const window = this.store.window(windowId);
    if (!window) throw notFound(`no monitoring window ${windowId}`);
    const reference =
      window.model !== undefined ? this.reference(window.model, window.version!) : undefined;
    if (!reference) {
      throw notFound(`window ${windowId} has no reference profile to compare with`);
    }
    const spec =
      reference.data.features.find((f) => f.name === feature) ??
      (reference.data.prediction?.name === feature ? reference.data.prediction : undefined);
    if (!spec) {
      throw notFound(
        `feature '${feature}' is not monitored; the reference has ${reference.data.features.map((f) => f.name).join(', ')}`,
      );
    }
    const isPrediction = spec === reference.data.prediction;
    const data = readWindow(
      this.db,
      {
        deployment: window.deployment,
        ...(window.variant !== undefined ? { variant: window.variant } : {}),
        ...(window.lastKey !== undefined ? { untilKey: window.lastKey } : {}),
        latest: window.requests,
      },
      isPrediction ? [] : [spec],
      spec.kind,
    );
    const current = isPrediction ? data.predictions : data.columns[feature]!;
    const values = reference.data.columns[feature]!;
    return spec.kind === 'numerical'
      ? numericHistogram(feature, values as Float64Array, current as Float64Array, bins)
      : categoryHistogram(feature, values as (Category | null)[], current as (Category | null)[]);
  }

  /** The newest windows of a monitor, oldest first. */
  windows(monitor: string, limit = 100): MonitorWindow[] {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw invalid(`the number of windows is a positive whole number, not ${String(limit)}`);
    }
    return this.store.windows(monitor, limit);
  }

  /** Alert events, oldest first. */
  alerts(options: Parameters<MonitorStore['alerts']>[0] = {}): AlertEvent[] {
    return this.store.alerts(options);
  }

  /**
   * A feed of firing alerts that polls the store every `pollMs`, so alerts fired by another
   * process (the deployment's monitor, the CLI) reach this one's pipeline triggers. Only
   * alerts recorded after `subscribe` are delivered.
   */
  alertFeed(pollMs = 1000, states: readonly AlertEvent['state'][] = ['firing']): AlertFeed {
    return {
      subscribe: (listener) => {
        let after = this.store.lastAlertId();
        const timer = setInterval(() => {
          try {
            for (const event of this.store.alerts({ afterId: after })) {
              after = event.id;
              if (states.includes(event.state)) listener(event);
            }
          } catch (error) {
            process.stderr.write(`sextant monitoring: reading alerts: ${String(error)}\n`);
          }
        }, pollMs);
        timer.unref();
        return () => clearInterval(timer);
      },
    };
  }
}

/** `models:/name/N` or `models:/name@alias` to its name and version or alias. */
export function parseModelUri(uri: string): { name: string; version?: string; alias?: string } {
  const match = /^models:\/([^/@]+)(?:\/(\d+)|@([A-Za-z0-9_-]+))$/.exec(uri);
  if (!match) throw invalid(`'${uri}' is not models:/<name>/<version> or models:/<name>@<alias>`);
  return { name: match[1]!, ...(match[2] ? { version: match[2] } : { alias: match[3]! }) };
}
