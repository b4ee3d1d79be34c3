import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Engine } from '../engine';
import { parseThresholds } from '../evaluation';
import type { EvaluationResult, EvaluationTask } from '../model/evaluation';
import { EVALUATION_TAGS } from '../model/evaluation';
import { invalid, SextantError } from '../model/errors';
import { withEngine } from './store';

/** The version tag that holds the SHA-256 of a registered model folder's files. */
export const MODEL_SHA256_TAG = 'sextant.model_sha256';

/** The store a component's command opens: `--store`, else the step's `SEXTANT_STORE`. */
const storeOption = [
  '--store <dir>',
  "store directory (a pipeline step is given its run's as SEXTANT_STORE)",
  process.env.SEXTANT_STORE ?? '.sextant',
] as const;

const writeJson = (file: string, value: unknown): void => {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
};

const readResult = (file: string): EvaluationResult => {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(`cannot read the evaluation result '${file}': ${(error as Error).message}`);
  }
  const result = value as Partial<EvaluationResult>;
  if (typeof result?.runId !== 'string' || typeof result.metrics !== 'object') {
    throw invalid(`'${file}' is no evaluation result (sextant/evaluate writes one)`);
  }
  return result as EvaluationResult;
};

/** Every file under `dir`, relative and sorted, with its bytes' SHA-256: a folder's content hash. */
export function folderSha256(dir: string): string {
  const files = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => path.relative(dir, path.join(f.parentPath, f.name)).split(path.sep).join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, file)))
        .digest('hex'),
    );
  }
  return hash.digest('hex');
}

/** What `sextant component register` did. */
export interface RegisterOutcome {
  name: string;
  version: string;
  /** False when a version with the same files was there already (and was reused). */
  created: boolean;
  alias?: string;
}

/**
 * Registers a model folder as a version of `name` (created when missing), from the pipeline
 * step's tracked run: the files are stored as that run's `model` artifacts and the version's
 * source is `runs:/<run>/model`, so its lineage names the pipeline step. Idempotent by content:
 * when a version of `name` already holds the same files (tag `sextant.model_sha256`) it is reused,
 * not registered again. Sets `alias` on the version, and links the evaluation run that evaluated
 * these files (`evaluation`) to it, so that the version's evaluations list it.
 */
export async function registerModelFolder(
  engine: Engine,
  input: {
    model: string;
    name: string;
    runId: string;
    alias?: string;
    description?: string;
    evaluation?: EvaluationResult;
    actor: { user: string; reason?: string };
  },
): Promise<RegisterOutcome> {
  const dir = path.resolve(input.model);
  if (!fs.existsSync(path.join(dir, 'MLmodel'))) {
    throw invalid(`${dir} is not an MLflow model folder (it has no MLmodel file)`);
  }
  const { registry, tracking, artifacts } = engine;
  try {
    await registry.getModel(input.name);
  } catch (error) {
    if (!(error instanceof SextantError && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
    await registry.createModel({ name: input.name }, input.actor);
  }
  const sha256 = folderSha256(dir);
  const quoted = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  const [existing] = (
    await registry.searchVersions({
      filter: `name = ${quoted(input.name)} AND tags.\`${MODEL_SHA256_TAG}\` = '${sha256}'`,
      maxResults: 1,
    })
  ).items;
  let version = existing?.version;
  if (!version) {
    const run = await tracking.getRun(input.runId);
    const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      const relative = path.relative(dir, full).split(path.sep).join('/');
      await artifacts.write(`${root}/model/${relative}`, fs.readFileSync(full));
    }
    version = (
      await registry.createVersion(
        {
          name: input.name,
          source: `runs:/${input.runId}/model`,
          runId: input.runId,
          ...(input.description ? { description: input.description } : {}),
          tags: [{ key: MODEL_SHA256_TAG, value: sha256 }],
        },
        input.actor,
      )
    ).version;
  }
  if (input.alias) await registry.setAlias(input.name, input.alias, version, input.actor);
  if (input.evaluation) {
    const evaluated = await tracking.getRun(input.evaluation.runId);
    if (!evaluated.data.tags.some((t) => t.key === EVALUATION_TAGS.registeredModel)) {
      await tracking.logBatch(
        evaluated.info.runId,
        [],
        [],
        [
          { key: EVALUATION_TAGS.registeredModel, value: input.name },
          { key: EVALUATION_TAGS.registeredVersion, value: version },
        ],
      );
    }
  }
  return {
    name: input.name,
    version,
    created: !existing,
    ...(input.alias ? { alias: input.alias } : {}),
  };
}

/** Where a step's reason for a registry change comes from: its pipeline, run and step. */
function stepActor(): { user: string; reason: string } {
  const {
    SEXTANT_PIPELINE: pipeline,
    SEXTANT_PIPELINE_RUN_ID: run,
    SEXTANT_STEP: step,
  } = process.env;
  return {
    user: os.userInfo().username,
    reason: pipeline
      ? `pipeline ${pipeline} run ${run ?? '?'} step ${step ?? '?'}`
      : 'sextant component register',
  };
}

/** Adds `sextant component evaluate | gate | register`: what the model built-ins run. */
export function registerModelComponentCommands(
  component: Command,
  out: NodeJS.WritableStream,
): void {
  component
    .command('evaluate')
    .description('evaluate a model folder on an eval dataset (the sextant/evaluate built-in)')
    .option(...storeOption)
    .requiredOption('--model <dir>', 'the MLflow model folder')
    .requiredOption('--data <file>', 'the eval dataset (.csv or .parquet)')
    .requiredOption('--target <column>', 'the column of true values')
    .requiredOption('--task <task>', 'classifier or regressor')
    .option('--eval-set <name>', "the eval set's name (default: the file's base name)")
    .option('--experiment <name>', 'experiment of the evaluation run')
    .option('--python <path>', 'the Python that runs the model')
    .requiredOption('--result <json>', 'where to write the evaluation result')
    .requiredOption('--metrics <json>', 'where to write its metrics (name: value)')
    .option('--no-explain', 'skip SHAP values and permutation importances')
    .action(
      async (opts: {
        explain: boolean;
        store: string;
        model: string;
        data: string;
        target: string;
        task: string;
        evalSet?: string;
        experiment?: string;
        python?: string;
        result: string;
        metrics: string;
      }) => {
        if (opts.task !== 'classifier' && opts.task !== 'regressor') {
          throw invalid(`--task takes classifier or regressor, not '${opts.task}'`);
        }
        await withEngine(opts.store, async (engine) => {
          const result = await engine.evaluation.evaluate(
            {
              model: path.resolve(opts.model),
              data: opts.data,
              target: opts.target,
              task: opts.task as EvaluationTask,
              ...(opts.evalSet ? { evalSet: opts.evalSet } : {}),
              ...(opts.experiment ? { experiment: opts.experiment } : {}),
              ...(opts.python ? { python: opts.python } : {}),
              ...(opts.explain ? {} : { shap: false, permutationImportance: false }),
            },
            { onProgress: (p) => process.stderr.write(`${p.message}\n`) },
          );
          writeJson(opts.result, result);
          writeJson(opts.metrics, result.metrics);
          out.write(`evaluation run ${result.runId} on eval set ${result.evalSet}\n`);
        });
      },
    );

  component
    .command('gate')
    .description(
      'hold an evaluation to thresholds, optionally against the version holding an alias; exit 1 when it fails (the sextant/gate built-in)',
    )
    .option(...storeOption)
    .requiredOption('--result <json>', 'the evaluation result sextant/evaluate wrote')
    .requiredOption('--threshold <rule...>', 'METRIC>=VALUE, METRIC<=VALUE, METRIC>=+0.01, ...')
    .option('--model-name <name>', 'the registered model whose alias is the baseline')
    .option('--baseline-alias <alias>', 'measure changes against the version holding this alias')
    .option('--python <path>', 'the Python that runs the baseline, when it must be evaluated')
    .action(
      async (opts: {
        store: string;
        result: string;
        threshold: string[];
        modelName?: string;
        baselineAlias?: string;
        python?: string;
      }) => {
        const result = readResult(opts.result);
        await withEngine(opts.store, async (engine) => {
          const gate = await engine.evaluation.gateRun(
            {
              runId: result.runId,
              thresholds: parseThresholds(opts.threshold),
              ...(opts.modelName ? { name: opts.modelName } : {}),
              ...(opts.baselineAlias ? { baselineAlias: opts.baselineAlias } : {}),
              ...(opts.python ? { python: opts.python } : {}),
            },
            { onOutput: (text) => process.stderr.write(text) },
          );
          out.write(
            `Gate ${gate.passed ? 'PASSED' : 'FAILED'} on evaluation run ${result.runId}\n`,
          );
          for (const m of gate.metrics) {
            out.write(
              `  ${m.passed ? 'pass' : 'FAIL'}  ${m.metric} = ${m.value ?? '-'}${m.baseline !== undefined ? ` (baseline ${m.baseline})` : ''}\n`,
            );
            for (const failure of m.failures) out.write(`        ${failure}\n`);
          }
          if (!gate.passed) process.exitCode = 1;
        });
      },
    );

  component
    .command('register')
    .description(
      'register a model folder as a version of a registered model, from the pipeline step (the sextant/register built-in)',
    )
    .option(...storeOption)
    .requiredOption('--model <dir>', 'the MLflow model folder')
    .requiredOption('--name <name>', 'the registered model (created when missing)')
    .option('--alias <alias>', 'an alias to set on the version (e.g. challenger)')
    .option('--description <text>', "the version's description")
    .option('--evaluation <json>', 'the evaluation result of these files, linked to the version')
    .option(
      '--run-id <id>',
      "the tracked run to register from (default: the step's, SEXTANT_RUN_ID)",
    )
    .action(
      async (opts: {
        store: string;
        model: string;
        name: string;
        alias?: string;
        description?: string;
        evaluation?: string;
        runId?: string;
      }) => {
        const runId = opts.runId ?? process.env.SEXTANT_RUN_ID;
        if (!runId) {
          throw invalid('give --run-id: outside a pipeline step there is no SEXTANT_RUN_ID');
        }
        await withEngine(opts.store, async (engine) => {
          const outcome = await registerModelFolder(engine, {
            model: opts.model,
            name: opts.name,
            runId,
            ...(opts.alias ? { alias: opts.alias } : {}),
            ...(opts.description ? { description: opts.description } : {}),
            ...(opts.evaluation ? { evaluation: readResult(opts.evaluation) } : {}),
            actor: stepActor(),
          });
          out.write(
            `${outcome.created ? 'Registered' : 'Already registered (same files):'} ${outcome.name} version ${outcome.version}${outcome.alias ? `, alias ${outcome.alias}` : ''}\n`,
          );
        });
      },
    );
}
