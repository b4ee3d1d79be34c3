import os from 'node:os';
import type { Command } from 'commander';
import { parseThresholds, type EvaluateRequest } from '../evaluation';
import type { EvaluationResult, EvaluationTask } from '../model/evaluation';
import { invalid } from '../model/errors';
import { table } from './format';
import { openStore } from './store';

interface EvaluateOptions {
  store: string;
  model: string[];
  data: string;
  evalSet?: string;
  target: string;
  task: string;
  experiment?: string;
  name?: string;
  slice?: string;
  posLabel?: string;
  drop?: string[];
  baseline?: string;
  baselineAlias?: string;
  onPassAlias?: string;
  reason?: string;
  threshold?: string[];
  env: string;
  python?: string;
  shap: boolean;
  permutation: boolean;
  seed: string;
  json?: boolean;
}

const value = (n: number): string => String(Number(n.toPrecision(6)));

/** The metrics table, the slices and the gate's verdict, as `sextant evaluate` prints them. */
export function describeEvaluation(result: EvaluationResult): string {
  const lines = [
    `Evaluation run ${result.runId} (experiment ${result.experimentId}): ${result.modelUri}` +
      `${result.registered ? ` (${result.registered.name} version ${result.registered.version})` : ''} on ` +
      `eval set ${result.evalSet}: ${result.dataset.path} (${result.dataset.rows} rows, sha256 ${result.dataset.sha256.slice(0, 12)})`,
    '',
    table(
      ['METRIC', 'VALUE'],
      Object.entries(result.metrics).map(([key, v]) => [key, value(v)]),
    ),
  ];
  if (result.slices.length > 0) {
    const keys =
      result.task === 'classifier'
        ? ['accuracy_score', 'f1_score', 'roc_auc']
        : ['mean_absolute_error', 'root_mean_squared_error', 'r2_score'];
    lines.push(
      '',
      table(
        ['SLICE', 'ROWS', ...keys.map((k) => k.toUpperCase())],
        result.slices.map((s) => [
          `${s.column}=${s.value}`,
          String(s.rows),
          ...keys.map((k) => (s.metrics[k] === undefined ? '' : value(s.metrics[k]!))),
        ]),
      ),
    );
  }
  if (result.gate) {
    lines.push(
      '',
      `Gate: ${result.gate.passed ? 'PASSED' : 'FAILED'}${result.gate.baselineRunId ? ` (baseline ${result.gate.baselineRunId})` : ''}`,
    );
    for (const m of result.gate.metrics) {
      lines.push(
        `  ${m.passed ? 'pass' : 'FAIL'}  ${m.metric} = ${m.value ?? '-'}${m.baseline !== undefined ? ` (baseline ${m.baseline})` : ''}`,
      );
      for (const failure of m.failures) lines.push(`        ${failure}`);
    }
  }
  if (result.aliasSet) {
    const move = result.aliasSet;
    lines.push(
      `Alias ${move.alias} set on ${move.name} version ${move.version}${move.previousVersion ? ` (was version ${move.previousVersion})` : ''}`,
    );
  }
  lines.push('', `Artifacts: ${result.artifacts.join(', ')}`);
  return lines.join('\n');
}

/** Registers `sextant evaluate`. */
export function registerEvaluateCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  program
    .command('evaluate')
    .description(
      "evaluate a model on an eval dataset as a tracked run (mlflow.models.evaluate's metrics), with an optional gate",
    )
    .option(...storeOption)
    .requiredOption(
      '--model <uri...>',
      'models:/<name>@<alias>, models:/<name>/<version|latest|stage>, runs:/<run_id>/<path>, models:/m-<id> or a model folder; several are evaluated in turn on the same data',
    )
    .requiredOption(
      '--data <file>',
      'eval dataset: a .csv or .parquet file, or dataset:<run_id>[/<name>], a dataset input logged on a run',
    )
    .option(
      '--eval-set <name>',
      "the eval set's name, under which a registered model's evaluations form a history (default: the file's base name)",
    )
    .requiredOption('--target <column>', 'the column of true values')
    .requiredOption('--task <task>', 'classifier or regressor')
    .option(
      '--experiment <nameOrId>',
      'experiment of the evaluation run (created if missing; default Evaluations)',
    )
    .option('--name <name>', 'name of the evaluation run')
    .option('--slice <column>', 'metrics per value of this column')
    .option(
      '--pos-label <label>',
      'the positive class of a binary classifier (default: the greatest label, as mlflow)',
    )
    .option(
      '--drop <columns...>',
      'dataset columns that are no model input (for models without a signature)',
    )
    .option('--baseline <runId>', 'an earlier evaluation run that changes are measured against')
    .option(
      '--baseline-alias <alias>',
      'measure changes against the registered version holding this alias (e.g. champion), on the same eval set',
    )
    .option(
      '--on-pass-alias <alias>',
      'when the gate passes, set this alias (e.g. challenger) on the evaluated registered version',
    )
    .option('--reason <text>', 'why, recorded with the alias move in the model history')
    .option(
      '--threshold <rule...>',
      'gate: METRIC>=VALUE, METRIC<=VALUE, change over the baseline METRIC>=+0.01 or METRIC>=+5% (exit code 1 when it fails)',
    )
    .option(
      '--env <where>',
      "the model's Python: current (.venv, SEXTANT_PYTHON) or model (a venv from its requirements.txt)",
      'current',
    )
    .option('--python <path>', 'the Python interpreter to run the model with')
    .option('--no-shap', 'skip SHAP values')
    .option('--no-permutation', 'skip permutation importance')
    .option('--seed <n>', 'seed of the permutations', '0')
    .option('--json', 'print the result as JSON')
    .action(async (opts: EvaluateOptions) => {
      if (opts.task !== 'classifier' && opts.task !== 'regressor') {
        throw invalid(`--task takes classifier or regressor, not '${opts.task}'`);
      }
      if (opts.env !== 'current' && opts.env !== 'model') {
        throw invalid(`--env takes current or model, not '${opts.env}'`);
      }
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0)
        throw invalid(`--seed takes a whole number, not '${opts.seed}'`);
      const thresholds = parseThresholds(opts.threshold ?? []);
      const request: Omit<EvaluateRequest, 'model'> = {
        data: opts.data,
        target: opts.target,
        task: opts.task as EvaluationTask,
        environment: opts.env,
        shap: opts.shap,
        permutationImportance: opts.permutation,
        seed,
        cwd: process.cwd(),
        ...(opts.evalSet ? { evalSet: opts.evalSet } : {}),
        ...(opts.experiment ? { experiment: opts.experiment } : {}),
        ...(opts.name ? { runName: opts.name } : {}),
        ...(opts.slice ? { sliceColumn: opts.slice } : {}),
        ...(opts.posLabel !== undefined
          ? { posLabel: /^-?\d+$/.test(opts.posLabel) ? Number(opts.posLabel) : opts.posLabel }
          : {}),
        ...(opts.drop ? { dropColumns: opts.drop } : {}),
        ...(opts.baseline ? { baselineRunId: opts.baseline } : {}),
        ...(opts.baselineAlias !== undefined ? { baselineAlias: opts.baselineAlias } : {}),
        ...(opts.onPassAlias !== undefined ? { onPassAlias: opts.onPassAlias } : {}),
        ...(opts.reason !== undefined
          ? { actor: { user: os.userInfo().username, reason: opts.reason } }
          : {}),
        ...(thresholds.length ? { thresholds } : {}),
        ...(opts.python ? { python: opts.python } : {}),
      };
      const engine = openStore(opts.store, true);
      const controller = new AbortController();
      const cancel = (): void => {
        process.stderr.write('sextant: cancelling the evaluation\n');
        controller.abort();
      };
      process.once('SIGINT', cancel);
      process.once('SIGTERM', cancel);
      try {
        await engine.recovered;
        const results = [];
        for (const model of opts.model) {
          if (controller.signal.aborted) break;
          const result = await engine.evaluation.evaluate(
            { ...request, model },
            {
              signal: controller.signal,
              onProgress: (p) =>
                process.stderr.write(
                  `[${p.fraction !== undefined ? `${String(Math.round(p.fraction * 100)).padStart(3)}%` : '   …'}] ${p.message}\n`,
                ),
              onOutput: (text) => {
                if (text.startsWith('warning: ')) process.stderr.write(`sextant: ${text}`);
              },
            },
          );
          results.push(result);
          if (!opts.json)
            out.write(`${results.length > 1 ? '\n' : ''}${describeEvaluation(result)}\n`);
          if (result.gate && !result.gate.passed) process.exitCode = 1;
        }
        // One model: its result; several: the list, in the order given.
        if (opts.json) {
          out.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
        }
      } finally {
        process.off('SIGINT', cancel);
        process.off('SIGTERM', cancel);
        await engine.close();
      }
    });
}
