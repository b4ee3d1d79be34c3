import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { invalid } from '../model/errors';
import { EVALUATION_TAGS } from '../model/evaluation';
import type { CheckResult, MonitorSpec, MonitoringSpec } from '../monitoring';
import { table } from './format';
import { withEngine } from './store';

interface MonitorOptions {
  store: string;
  file: string;
  json?: boolean;
}

const num = (x: number | undefined, digits = 4): string =>
  x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toPrecision(digits);

async function monitoringOf(file: string): Promise<MonitoringSpec> {
  const { readMonitoring } = await import('../monitoring/index.js');
  return readMonitoring(file);
}

function monitorNamed(spec: MonitoringSpec, name: string, file: string): MonitorSpec {
  const monitor = spec.monitors.find((m) => m.name === name);
  if (!monitor) {
    throw invalid(
      `${file} declares no monitor named '${name}'; it has ${spec.monitors.map((m) => m.name).join(', ') || 'none'}`,
    );
  }
  return monitor;
}

/** A checked window as lines of text. */
export function describeCheck(result: CheckResult): string {
  const w = result.window;
  const m = w.metrics;
  const lines = [
    `${w.monitor}: window ${w.id} (${w.kind}) of ${w.deployment}/${w.variant ?? '*'}${w.model ? ` ${w.model} version ${w.version}` : ''}: ${w.requests} requests, ${w.rows} rows`,
  ];
  if (result.problem) lines.push(`  ${result.problem}`);
  if (m.drift_share !== undefined) {
    lines.push(
      `  drift share ${num(m.drift_share)} (${m.drifted_features} drifted)${m.dataset_drift ? ' - dataset drift' : ''}${m.prediction_drift_score !== undefined ? `; prediction drift ${num(m.prediction_drift_score)}${m.prediction_drifted ? ' (drifted)' : ''}` : ''}`,
    );
    lines.push(
      table(
        ['feature', 'method', 'score', 'threshold', 'drift', 'missing'],
        w.features.map((f) => [
          f.feature,
          f.method || '-',
          f.score === null ? '-' : num(f.score),
          num(f.threshold),
          f.drifted ? 'DRIFT' : '',
          num(f.missingShare),
        ]),
      ).trimEnd(),
    );
  }
  if (m.error_rate !== undefined) {
    lines.push(
      `  latency p50 ${num(m.p50_latency_ms)} ms, p99 ${num(m.p99_latency_ms)} ms; error rate ${num(m.error_rate)}; missing ${num(m.missing_share)}, out of range ${num(m.out_of_range_share)}${m.slo_breached ? '; SLO breached' : ''}`,
    );
  }
  for (const a of result.alerts) {
    lines.push(
      `  alert ${a.rule} ${a.state.toUpperCase()} (${a.severity}): ${a.evidence.metric} = ${num(a.value)} (threshold ${a.evidence.op} ${a.threshold})`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Registers `sextant monitor`. */
export function registerMonitorCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const monitor = program
    .command('monitor')
    .description('reference profiles, drift and quality windows of deployments, alerts');
  const common = (command: Command): Command =>
    command
      .option(...storeOption)
      .option('-f, --file <path>', 'the file declaring monitors and alerts', 'sextant.yaml')
      .option('--json', 'print JSON');

  common(monitor.command('reference <modelUri>'))
    .description("set a model version's reference profile from its training or evaluation data")
    .option('--data <file>', 'a CSV or Parquet file of the data')
    .option(
      '--from-evaluation [evalSet]',
      "the eval dataset of the version's latest evaluation (on that eval set)",
    )
    .option('--prediction <column>', "the column holding the model's predictions on the data")
    .option(
      '--exclude <columns>',
      'comma-separated columns that are no feature (when the model has no signature)',
    )
    .action(
      async (
        uri: string,
        opts: MonitorOptions & {
          data?: string;
          fromEvaluation?: string | boolean;
          prediction?: string;
          exclude?: string;
        },
      ) =>
        withEngine(opts.store, async (engine) => {
          if ((opts.data === undefined) === (opts.fromEvaluation === undefined)) {
            throw invalid('give the reference data with --data FILE or --from-evaluation');
          }
          const exclude = opts.exclude ? opts.exclude.split(',').map((c) => c.trim()) : [];
          let file = opts.data !== undefined ? path.resolve(opts.data) : '';
          let source = file;
          if (opts.fromEvaluation !== undefined) {
            const { parseModelUri } = await import('../monitoring/index.js');
            const ref = parseModelUri(uri);
            const version =
              ref.version ??
              (await engine.registry.getVersionByAlias(ref.name, ref.alias!)).version;
            const evalSet =
              typeof opts.fromEvaluation === 'string' ? opts.fromEvaluation : undefined;
            const evaluations = await engine.evaluation.evaluations({
              name: ref.name,
              version,
              ...(evalSet ? { evalSet } : {}),
            });
            const latest = evaluations[evaluations.length - 1];
            if (!latest) {
              throw invalid(
                `${ref.name} version ${version} has no evaluation${evalSet ? ` on ${evalSet}` : ''}: evaluate it first (sextant evaluate) or give --data`,
              );
            }
            const tags = new Map(
              (await engine.tracking.getRun(latest.runId)).data.tags.map((t) => [t.key, t.value]),
            );
            file = tags.get(EVALUATION_TAGS.datasetPath) ?? '';
            const target = tags.get(EVALUATION_TAGS.target);
            if (target) exclude.push(target);
            source = `evaluation ${latest.runId} (${latest.evalSet}): ${file}`;
          }
          const info = await engine.monitoring.setReference(uri, file, {
            user: os.userInfo().username,
            source,
            ...(opts.prediction ? { prediction: opts.prediction } : {}),
            ...(exclude.length > 0 ? { exclude } : {}),
          });
          if (opts.json) out.write(JSON.stringify(info) + '\n');
          else {
            out.write(
              `Reference ${info.id} of ${info.model} version ${info.version} from ${info.source}: ${info.rows} rows, features ${info.features.join(', ')}${info.prediction ? `, predictions in '${info.prediction}'` : ''}\n`,
            );
          }
        }),
    );

  common(monitor.command('run <name>'))
    .description("check a monitor's latest window now (recorded; alert rules applied)")
    .option('--window <size>', "a duration (1h) or a request count (1000) instead of the monitor's")
    .action(async (name: string, opts: MonitorOptions & { window?: string }) => {
      const spec = await monitoringOf(opts.file);
      const m = monitorNamed(spec, name, opts.file);
      const { parseWindow } = await import('../monitoring/index.js');
      const size = opts.window !== undefined ? parseWindow(opts.window) : m.window;
      await withEngine(opts.store, async (engine) => {
        const result = engine.monitoring.checkLatest(m, spec.alerts, size, os.userInfo().username);
        out.write(opts.json ? JSON.stringify(result) + '\n' : describeCheck(result));
      });
    });

  common(monitor.command('windows <name>'))
    .description("a monitor's checked windows, oldest first (the feature x window heatmap)")
    .option('--limit <n>', 'newest windows shown', '20')
    .action(async (name: string, opts: MonitorOptions & { limit: string }) =>
      withEngine(opts.store, async (engine) => {
        const windows = engine.monitoring.windows(name, Number(opts.limit));
        if (opts.json) {
          out.write(JSON.stringify(windows) + '\n');
          return;
        }
        if (windows.length === 0) {
          out.write(`No window of monitor '${name}' checked yet\n`);
          return;
        }
        const features = [...new Set(windows.flatMap((w) => w.features.map((f) => f.feature)))];
        out.write(
          table(
            ['window', 'end', 'requests', 'drift share', ...features],
            windows.map((w) => [
              String(w.id),
              new Date(w.end).toISOString(),
              String(w.requests),
              num(w.metrics.drift_share),
              ...features.map((name) => {
                const f = w.features.find((x) => x.feature === name);
                return f?.score == null ? '-' : `${num(f.score, 3)}${f.drifted ? '*' : ''}`;
              }),
            ]),
          ) + '\n',
        );
      }),
    );

  common(monitor.command('alerts'))
    .description('alert events (firing and resolved), oldest first')
    .option('--rule <name>', 'of one rule')
    .action(async (opts: MonitorOptions & { rule?: string }) =>
      withEngine(opts.store, async (engine) => {
        const events = engine.monitoring.alerts(opts.rule ? { rule: opts.rule } : {});
        if (opts.json) {
          out.write(JSON.stringify(events) + '\n');
          return;
        }
        if (events.length === 0) out.write('No alert events\n');
        else {
          out.write(
            table(
              ['time', 'rule', 'state', 'severity', 'deployment', 'value', 'threshold', 'by'],
              events.map((e) => [
                new Date(e.time).toISOString(),
                e.rule,
                e.state,
                e.severity,
                e.deployment,
                num(e.value),
                num(e.threshold),
                e.user,
              ]),
            ) + '\n',
          );
        }
      }),
    );

  monitor
    .command('rules')
    .description(
      'the alert rules of sextant.yaml; --prometheus: as a Prometheus alerting-rules file',
    )
    .option('-f, --file <path>', 'the file declaring monitors and alerts', 'sextant.yaml')
    .option('--prometheus', 'print a Prometheus rule file (promtool check rules accepts it)')
    .option('--json', 'print JSON')
    .action(async (opts: { file: string; prometheus?: boolean; json?: boolean }) => {
      const spec = await monitoringOf(opts.file);
      if (opts.prometheus) {
        const { prometheusRules } = await import('../monitoring/index.js');
        out.write(prometheusRules(spec.alerts, spec.monitors));
      } else if (opts.json) out.write(JSON.stringify(spec.alerts) + '\n');
      else {
        out.write(
          table(
            ['rule', 'monitor', 'condition', 'for', 'severity'],
            spec.alerts.map((a) => [
              a.name,
              a.monitor,
              `${a.metric} ${a.op} ${a.threshold}`,
              `${a.for} window(s)`,
              a.severity,
            ]),
          ) + '\n',
        );
      }
    });
}
