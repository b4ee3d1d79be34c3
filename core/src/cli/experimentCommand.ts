import type { Command } from 'commander';
import os from 'node:os';
import { invalid, notFound } from '../model/errors';
import type { ExperimentHost, ExperimentReport } from '../onlineExperiments';
import type { ExperimentSpec } from '../serving';
import type { Engine } from '../engine';
import { withEngine } from './store';

interface ExperimentOptions {
  store: string;
  file: string;
  json?: boolean;
  since?: string;
  until?: string;
}

/** A time option: ISO 8601 or ms since the epoch. */
function timeOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(time))
    throw invalid(`${flag} takes an ISO time or ms since the epoch, not '${value}'`);
  return time;
}

/** The experiment of a deployment: from the file when it declares it, else the one it was started with. */
async function specOf(engine: Engine, name: string, file: string): Promise<ExperimentSpec> {
  const fs = await import('node:fs');
  if (fs.existsSync(file)) {
    const { readDeployments } = await import('../serving/index.js');
    const spec = readDeployments(file).find((d) => d.name === name);
    if (spec?.experiment) return spec.experiment;
  }
  const started = engine.experimentEvents.last(name, ['start']);
  if (started) return (started.details as { spec: ExperimentSpec }).spec;
  throw notFound(
    `deployment '${name}' has no experiment: declare one under deployments.${name}.experiment in ${file}`,
  );
}

async function host(engine: Engine, name: string): Promise<ExperimentHost> {
  const { remoteWeights } = await import('../serving/index.js');
  const record = engine.deployments.get(name);
  return {
    feedback: engine.feedback,
    events: engine.experimentEvents,
    registry: engine.registry,
    deployments: engine.deployments,
    applyWeights: remoteWeights(name, record.state),
  };
}

const num = (x: number, digits = 4): string =>
  Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '–';
const interval = (ci?: [number, number]): string => (ci ? `[${num(ci[0])}, ${num(ci[1])}]` : '');

function printReport(report: ExperimentReport, out: NodeJS.WritableStream): void {
  const pct = (1 - report.alpha) * 100;
  out.write(
    `${report.deployment}: ${report.type === 'ab' ? 'A/B test' : 'bandit'} on ${report.metric.name} (${report.metric.kind}, ${report.metric.higherIsBetter ? 'higher' : 'lower'} is better), alpha ${report.alpha}\n\n`,
  );
  out.write(
    `${'variant'.padEnd(14)}${'version'.padEnd(9)}${'weight'.padStart(8)}${'requests'.padStart(10)}${'n'.padStart(8)}${(report.metric.kind === 'proportion' ? 'rate' : 'mean').padStart(10)}  ${`${pct}% CI`.padEnd(22)}${'errors'.padStart(8)}${'p99 ms'.padStart(9)}\n`,
  );
  for (const v of report.variants) {
    out.write(
      `${(v.name + (v.control ? '*' : '')).padEnd(14)}${v.version.padEnd(9)}${num(v.weight).padStart(8)}${String(v.requests).padStart(10)}${String(v.n).padStart(8)}${num(v.mean).padStart(10)}  ${interval(v.ci).padEnd(22)}${num(v.errorRate, 3).padStart(8)}${num(v.p99Ms).padStart(9)}\n`,
    );
  }
  out.write(
    `  * control; n counts ${report.unit !== undefined ? `units (${report.unit})` : 'requests'} with an outcome\n\n`,
  );
  for (const c of report.comparisons) {
    out.write(
      `${c.variant} vs ${c.control}: effect ${num(c.test.effect)} ${interval(c.test.ci)} (${num(c.test.relativeEffect * 100, 3)}%), ${c.test.test} p = ${num(c.test.pValue)}; always-valid p = ${num(c.sequential.pValue)} ${interval(c.sequential.ci)}\n`,
    );
  }
  if (report.plan) {
    out.write(
      `\nPlan: ${Math.ceil(report.plan.controlN)} units per variant to detect effect size ${num(report.plan.effectSize)} with power ${report.plan.power}; progress ${Object.entries(
        report.plan.progress,
      )
        .map(([v, p]) => `${v} ${Math.round(p * 100)}%`)
        .join(', ')}\n`,
    );
  }
  if (report.allocations.length > 0) {
    const last = report.allocations.at(-1)!;
    out.write(
      `\nBandit: ${report.allocations.length} allocation(s); latest ${new Date(last.time).toISOString()} weights ${JSON.stringify((last.details as { weights: unknown }).weights)}\n`,
    );
  }
  for (const d of report.decisions.filter((e) => (e.details as { applied?: boolean }).applied)) {
    const x = d.details as { action: string; variant?: string; reason: string };
    out.write(
      `Decision ${new Date(d.time).toISOString()}: ${x.action}${x.variant ? ` ${x.variant}` : ''} (${x.reason})\n`,
    );
  }
  out.write(`\nNow: ${report.decision.action}: ${report.decision.reason}\n`);
}

/** Registers `sextant experiment`. */
export function registerExperimentCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const experiment = program
    .command('experiment')
    .description('online experiments on deployments: A/B tests and bandits judged on feedback');
  const common = (command: Command): Command =>
    command
      .option(...storeOption)
      .option('-f, --file <path>', 'the file declaring deployments', 'sextant.yaml')
      .option('--json', 'print JSON');

  common(experiment.command('report <deployment>'))
    .description(
      'per-variant results, effects with intervals and p-values, power, the always-valid p-value over time',
    )
    .option('--since <time>', 'only requests served from this time (ISO or ms)')
    .option('--until <time>', 'only requests served before this time')
    .action(async (name: string, opts: ExperimentOptions) =>
      withEngine(opts.store, async (engine) => {
        const { experimentReport } = await import('../onlineExperiments/index.js');
        const spec = await specOf(engine, name, opts.file);
        const since = timeOption(opts.since, '--since');
        const until = timeOption(opts.until, '--until');
        const report = experimentReport({
          feedback: engine.feedback,
          events: engine.experimentEvents,
          spec,
          state: engine.deployments.get(name).state,
          window: {
            deployment: name,
            ...(since !== undefined ? { since } : {}),
            ...(until !== undefined ? { until } : {}),
          },
        });
        if (opts.json) out.write(`${JSON.stringify(report)}\n`);
        else printReport(report, out);
      }),
    );

  common(experiment.command('decide <deployment>'))
    .description(
      'apply the decision rules now: promote the winner, stop a harmful variant, or roll back',
    )
    .option('--dry-run', 'say what the rules decide without applying it')
    .option('--action <action>', 'override the rules: promote, stop or rollback')
    .option('--variant <name>', 'the variant to promote or stop (with --action)')
    .option('--reason <text>', 'why (kept in the deployment history)')
    .action(
      async (
        name: string,
        opts: ExperimentOptions & {
          dryRun?: boolean;
          reason?: string;
          action?: string;
          variant?: string;
        },
      ) =>
        withEngine(opts.store, async (engine) => {
          const { actOnExperiment, decideExperiment } =
            await import('../onlineExperiments/index.js');
          const spec = await specOf(engine, name, opts.file);
          const actor = {
            user: os.userInfo().username,
            ...(opts.reason ? { reason: opts.reason } : {}),
          };
          const action = opts.action;
          if (
            action !== undefined &&
            action !== 'promote' &&
            action !== 'stop' &&
            action !== 'rollback'
          ) {
            throw invalid(`--action is promote, stop or rollback, not '${action}'`);
          }
          const outcome = action
            ? await actOnExperiment(await host(engine, name), name, spec, {
                action,
                ...(opts.variant ? { variant: opts.variant } : {}),
                actor,
              })
            : await decideExperiment(await host(engine, name), name, spec, {
                apply: !opts.dryRun,
                actor,
              });
          const d = outcome.decision;
          if (opts.json) {
            out.write(
              `${JSON.stringify({ action: d.action, variant: 'variant' in d ? d.variant : undefined, reason: d.reason, applied: outcome.applied, note: outcome.note, evidence: 'evidence' in d ? d.evidence : undefined })}\n`,
            );
          } else {
            out.write(
              `${name}: ${d.action}${'variant' in d && d.variant ? ` ${d.variant}` : ''}: ${d.reason}${outcome.applied ? ' (applied)' : outcome.note ? ` (${outcome.note})` : ''}\n`,
            );
          }
        }),
    );

  experiment
    .command('power')
    .description(
      'units per variant needed to detect an effect (two-sided z-test, normal approximation)',
    )
    .requiredOption(
      '--effect <number>',
      'the smallest difference worth detecting (rate or mean units)',
    )
    .option('--baseline <rate>', "the control's conversion rate (proportions)")
    .option('--sd <number>', "the metric's standard deviation (means)")
    .option('--alpha <number>', 'significance level', '0.05')
    .option('--power <number>', 'power', '0.8')
    .option('--ratio <number>', 'treatment units per control unit', '1')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        effect: string;
        baseline?: string;
        sd?: string;
        alpha: string;
        power: string;
        ratio: string;
        json?: boolean;
      }) => {
        const { meanSampleSize, proportionSampleSize } = await import('../online/index.js');
        const n = (v: string, flag: string): number => {
          const x = Number(v);
          if (!Number.isFinite(x)) throw invalid(`${flag} takes a number, not '${v}'`);
          return x;
        };
        if ((opts.baseline === undefined) === (opts.sd === undefined)) {
          throw invalid('give --baseline (a rate) or --sd (a mean metric), one of them');
        }
        const [alpha, power, ratio, effect] = [
          n(opts.alpha, '--alpha'),
          n(opts.power, '--power'),
          n(opts.ratio, '--ratio'),
          n(opts.effect, '--effect'),
        ];
        const plan =
          opts.baseline !== undefined
            ? proportionSampleSize(
                n(opts.baseline, '--baseline'),
                n(opts.baseline, '--baseline') + effect,
                alpha,
                power,
                ratio,
              )
            : meanSampleSize(effect, n(opts.sd!, '--sd'), alpha, power, ratio);
        if (opts.json) out.write(`${JSON.stringify(plan)}\n`);
        else {
          out.write(
            `${Math.ceil(plan.controlN)} control and ${Math.ceil(plan.treatmentN)} treatment units (${plan.totalN} in all) detect effect size ${num(plan.effectSize)} at alpha ${alpha} with power ${power}\n`,
          );
        }
      },
    );
}
