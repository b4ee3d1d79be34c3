import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LocalArtifactStore } from '../artifacts';
import { provisionEnvironment, type ProvisionEnvironment } from '../compute';
import { invalid, notFound } from '../model/errors';
import {
  EVALUATION_TAGS,
  type AliasMove,
  type EvaluationHistory,
  type EvaluationProgress,
  type EvaluationQuery,
  type EvaluationResult,
  type EvaluationTask,
  type GateResult,
  type MetricThreshold,
  type ModelEvaluation,
} from '../model/evaluation';
import type { KeyValue } from '../model/tracking';
import { validateAlias, type RegistryService } from '../registry';
import type { MetricInput, TrackingService } from '../tracking';
import { EVALUATION_ARTIFACTS } from './artifactNames';
import { absoluteOnly, aliasHolder } from './aliasGate';
import { applyGate } from './gate';
import { historyOf, listEvaluations } from './history';
import { LOGGED_DATASET_PREFIX, loggedDatasetFile } from './loggedDataset';
import { resolveModel } from './modelSource';
import { EvaluationCancelled, runWorker } from './worker';

/** The most metrics one tracking batch takes (MLflow's limit). */
const METRICS_PER_BATCH = 1000;

/** The experiment that evaluation runs go to when the request names none, created on demand. */
export const EVALUATIONS_EXPERIMENT = 'Evaluations';

/** What to evaluate, on what, and how. */
export interface EvaluateRequest {
  /**
   * `models:/<name>@<alias>`, `models:/<name>/<version>`, `runs:/<run_id>/<path>`,
   * `models:/m-<id>` or a local MLflow model folder.
   */
  model: string;
  /**
   * The eval dataset: a CSV or Parquet file, or `dataset:<run_id>[/<name>]`, a dataset input
   * logged on a run, read from the local file its source names.
   */
  data: string;
  /** The eval set's name, under which evaluations form a history (default: the file's base name). */
  evalSet?: string;
  /** The column that holds the true values. */
  target: string;
  task: EvaluationTask;
  /**
   * Experiment name or id for the evaluation run (created by name when missing; default
   * {@link EVALUATIONS_EXPERIMENT}, so evaluations never crowd the training runs of `Default`).
   */
  experiment?: string;
  runName?: string;
  /** Metrics per value of this column. */
  sliceColumn?: string;
  /** Columns of the dataset that are no model input (when the model has no signature to say so). */
  dropColumns?: string[];
  /** The positive class of a binary classifier (default, as mlflow's: the greatest label). */
  posLabel?: string | number;
  /** Thresholds of the gate, and the evaluation run that changes are measured against. */
  thresholds?: MetricThreshold[];
  baselineRunId?: string;
  /**
   * Measure changes against the registered version holding this alias (e.g. `champion`): its
   * latest evaluation on the same eval set and dataset bytes, made now when there is none. The
   * model must be a registered version. When no version holds the alias, the change bounds are
   * not checked (there is nothing to beat) and a warning says so.
   */
  baselineAlias?: string;
  /**
   * When the gate passes, set this alias (e.g. `challenger`) on the evaluated registered version,
   * through the registry, as a registry event with {@link actor}. A failing gate moves nothing.
   */
  onPassAlias?: string;
  /** Who asks (recorded with the alias move); default: this process's user, and the gate's verdict as reason. */
  actor?: { user: string; reason?: string };
  /** Permutation importance (default on) and SHAP values for tree models (default on). */
  permutationImportance?: boolean;
  shap?: boolean;
  /** Seed of the permutations (default 0). */
  seed?: number;
  /**
   * The Python that runs the model: `current` (default: `python`, else the workspace's `.venv`,
   * else `SEXTANT_PYTHON`, else `python3`), or `model`: a virtual environment provisioned from the
   * model's `requirements.txt` (made once per requirements content, kept in the store).
   */
  environment?: 'current' | 'model';
  python?: string;
  /** The folder relative paths are read from (default: this process's). */
  cwd?: string;
}

export interface EvaluateOptions {
  /** Aborting kills the worker; the run ends KILLED. */
  signal?: AbortSignal;
  onProgress?: (progress: EvaluationProgress) => void;
  /** The worker's stderr and the environment's provisioning output, as they come. */
  onOutput?: (text: string) => void;
}

export interface EvaluationServiceOptions {
  tracking: TrackingService;
  /** Resolves model URIs (its one resolver) and holds the versions evaluated. */
  registry: RegistryService;
  artifacts: LocalArtifactStore;
  /** Where provisioned model environments are kept (the pipelines' `envs/`, shared). */
  environmentsDir: string;
  provision?: ProvisionEnvironment;
}

/** An evaluation run already recorded, to gate (see {@link EvaluationService.gateRun}). */
export interface GateRequest {
  /** The evaluation run. */
  runId: string;
  thresholds: MetricThreshold[];
  baselineRunId?: string;
  /** Measure changes against the version of {@link name} holding this alias. */
  baselineAlias?: string;
  /** The registered model of the baseline alias (default: the one the run evaluated). */
  name?: string;
  /** How the baseline version is run, when it must be evaluated first (as {@link EvaluateRequest}). */
  environment?: 'current' | 'model';
  python?: string;
  cwd?: string;
}

/** The SHA-256 of a file's bytes, hex. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * Evaluates models on eval datasets. The model runs in a Python worker
 * (`core/python/sextant_eval.py`) started in the model's environment; this service resolves the
 * model and the dataset, records the evaluation as a tracked run (tags linking the model URI and
 * the dataset's SHA-256, the dataset as a run input, metrics with `mlflow.models.evaluate`'s
 * names, curves and explanations as JSON artifacts under `evaluation/`) and applies the gate.
 */
export class EvaluationService {
  private readonly provision: ProvisionEnvironment;

  constructor(private readonly options: EvaluationServiceOptions) {
    this.provision = options.provision ?? provisionEnvironment;
  }

  async evaluate(
    request: EvaluateRequest,
    options: EvaluateOptions = {},
  ): Promise<EvaluationResult> {
    const { tracking, artifacts } = this.options;
    const cwd = request.cwd ?? process.cwd();
    const progress = (stage: string, message: string, fraction?: number): void =>
      options.onProgress?.({ stage, message, ...(fraction !== undefined ? { fraction } : {}) });
    if (request.task !== 'classifier' && request.task !== 'regressor') {
      throw invalid(`the task must be 'classifier' or 'regressor', not '${String(request.task)}'`);
    }
    if (!request.target) throw invalid('give the target column of the eval dataset');
    if (
      request.thresholds?.some(
        (t) => t.minAbsoluteChange !== undefined || t.minRelativeChange !== undefined,
      ) &&
      !request.baselineRunId &&
      request.baselineAlias === undefined
    ) {
      throw invalid(
        'a threshold asks for a change over a baseline: give the baseline evaluation run or the alias of the baseline version',
      );
    }

    if (request.baselineAlias !== undefined && request.baselineRunId) {
      throw invalid('give a baseline evaluation run or a baseline alias, not both');
    }
    if (request.onPassAlias !== undefined && !request.thresholds?.length) {
      throw invalid('an alias is set only when a gate passes: give the thresholds of the gate');
    }
    if (request.baselineAlias !== undefined) validateAlias(request.baselineAlias);
    if (request.onPassAlias !== undefined) validateAlias(request.onPassAlias);

    progress('resolve', `resolving ${request.model}`, 0);
    const model = await resolveModel(request.model, this.options.registry, artifacts.root, cwd);
    const registered = model.registered;
    if ((request.baselineAlias !== undefined || request.onPassAlias !== undefined) && !registered) {
      throw invalid(
        `a baseline alias or an alias to set needs a registered version: give models:/<name>/<version> or models:/<name>@<alias>, not '${request.model}'`,
      );
    }
    const logged = request.data.startsWith(LOGGED_DATASET_PREFIX)
      ? await loggedDatasetFile(tracking, request.data, cwd)
      : undefined;
    const dataPath = logged?.file ?? path.resolve(cwd, request.data);
    if (!/\.(csv|parquet|pq)$/i.test(dataPath)) {
      throw invalid(`cannot read ${dataPath}: the eval dataset must be a .csv or .parquet file`);
    }
    if (!(await exists(dataPath))) throw notFound(`the eval dataset ${dataPath} does not exist`);
    const sha256 = await fileSha256(dataPath);
    const evalSet = request.evalSet ?? logged?.name ?? path.basename(dataPath);
    if (evalSet.trim() === '' || evalSet.length > 250) {
      throw invalid('the eval set name must be 1 to 250 characters');
    }
    const warnings: string[] = [];
    let thresholds = request.thresholds;
    let baseline = request.baselineRunId ? await this.baselineOf(request.baselineRunId) : undefined;
    let baselineAlias: string | undefined;
    if (request.baselineAlias !== undefined && registered) {
      const found = await this.aliasBaseline(
        request,
        registered.name,
        request.baselineAlias,
        { evalSet, sha256, dataPath },
        options,
      );
      if (found.warning) {
        thresholds = thresholds && absoluteOnly(thresholds);
        warnings.push(found.warning);
      }
      baseline = found.baseline;
      baselineAlias = found.alias;
    }
    const python = await this.pythonFor(request, model.dir, cwd, options);
    const experimentId = await this.experimentId(request.experiment);

    const user = os.userInfo().username;
    const run = await tracking.createRun({
      experimentId,
      userId: user,
      runName:
        request.runName ??
        (model.registered
          ? `evaluate ${model.registered.name} v${model.registered.version} on ${evalSet}`
          : `evaluate ${path.basename(dataPath)}`),
      tags: [
        { key: 'mlflow.user', value: user },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        { key: 'mlflow.source.name', value: 'sextant evaluate' },
        { key: EVALUATION_TAGS.evaluation, value: 'true' },
        { key: EVALUATION_TAGS.modelUri, value: request.model },
        { key: EVALUATION_TAGS.datasetSha256, value: sha256 },
        { key: EVALUATION_TAGS.datasetPath, value: dataPath },
        { key: EVALUATION_TAGS.evalSet, value: evalSet },
        ...(model.registered
          ? [
              { key: EVALUATION_TAGS.registeredModel, value: model.registered.name },
              { key: EVALUATION_TAGS.registeredVersion, value: model.registered.version },
            ]
          : []),
        { key: EVALUATION_TAGS.task, value: request.task },
        { key: EVALUATION_TAGS.target, value: request.target },
      ],
    });
    const runId = run.info.runId;
    const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
    const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sextant-eval-'));
    try {
      await tracking.logInputs(
        runId,
        [
          {
            tags: [{ key: 'mlflow.data.context', value: 'evaluation' }],
            dataset: {
              name: path.basename(dataPath),
              digest: sha256.slice(0, 16),
              sourceType: 'local',
              source: JSON.stringify({ uri: `file://${dataPath}` }),
            },
          },
        ],
        model.modelId ? [{ modelId: model.modelId }] : [],
      );
      const params: KeyValue[] = [
        { key: 'task', value: request.task },
        { key: 'target', value: request.target },
        { key: 'model_uri', value: request.model },
        ...(request.sliceColumn ? [{ key: 'slice_column', value: request.sliceColumn }] : []),
        ...(request.baselineRunId
          ? [{ key: 'baseline_run_id', value: request.baselineRunId }]
          : []),
      ];
      await tracking.logBatch(runId, [], params, []);

      const requestFile = path.join(outDir, 'request.json');
      const artifactsDir = path.join(outDir, 'artifacts');
      await fs.writeFile(
        requestFile,
        JSON.stringify({
          model_dir: model.dir,
          data_path: dataPath,
          target: request.target,
          task: request.task,
          output_dir: artifactsDir,
          slice_column: request.sliceColumn ?? null,
          drop_columns: request.dropColumns ?? [],
          pos_label: request.posLabel ?? null,
          permutation_importance: request.permutationImportance ?? true,
          shap: request.shap ?? true,
          seed: request.seed ?? 0,
        }),
      );
      const outcome = await runWorker({
        python,
        requestFile,
        cwd,
        ...(options.signal ? { signal: options.signal } : {}),
        onMessage: (message) => {
          if (message.type === 'progress') {
            progress(message.stage, message.message, message.fraction);
          } else if (message.type === 'warning') {
            options.onOutput?.(`warning: ${message.message}\n`);
          }
        },
        ...(options.onOutput ? { onStderr: options.onOutput } : {}),
      });

      progress('record', 'recording the evaluation run', 0.95);
      const now = Date.now();
      const metrics: MetricInput[] = Object.entries(outcome.metrics).map(([key, value]) => ({
        key,
        value,
        timestamp: now,
        step: 0,
      }));
      const gate = request.thresholds?.length
        ? applyGate(thresholds ?? [], outcome.metrics, baseline)
        : undefined;
      for (let i = 0; i < metrics.length; i += METRICS_PER_BATCH) {
        await tracking.logBatch(runId, metrics.slice(i, i + METRICS_PER_BATCH), [], []);
      }
      const written: string[] = [];
      for (const name of outcome.artifacts) {
        const target = `${EVALUATION_ARTIFACTS}/${name}`;
        await artifacts.write(
          `${root}/${target}`,
          await fs.readFile(path.join(artifactsDir, name)),
        );
        written.push(target);
      }
      const result: EvaluationResult = {
        runId,
        experimentId,
        modelUri: request.model,
        ...(model.registered
          ? { registered: { name: model.registered.name, version: model.registered.version } }
          : {}),
        evalSet,
        task: request.task,
        dataset: { path: dataPath, sha256, rows: outcome.rows, target: request.target },
        metrics: outcome.metrics,
        slices: outcome.slices,
        artifacts: written,
        warnings: [...warnings, ...outcome.warnings],
        ...(gate ? { gate } : {}),
      };
      if (gate) {
        await this.recordGate(runId, gate, baselineAlias);
        written.push(`${EVALUATION_ARTIFACTS}/gate.json`);
        if (gate.passed && request.onPassAlias !== undefined && registered) {
          result.aliasSet = await this.moveAlias(
            registered,
            request.onPassAlias,
            runId,
            evalSet,
            request.actor ?? { user },
          );
          await tracking.setTag(runId, {
            key: EVALUATION_TAGS.aliasSet,
            value: `${result.aliasSet.alias}=${result.aliasSet.version}`,
          });
        }
      }
      await artifacts.write(
        `${root}/${EVALUATION_ARTIFACTS}/result.json`,
        Buffer.from(JSON.stringify(result, null, 2)),
      );
      written.push(`${EVALUATION_ARTIFACTS}/result.json`);
      await tracking.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
      progress('record', `recorded as run ${runId}`, 1);
      return result;
    } catch (error) {
      const cancelled = error instanceof EvaluationCancelled;
      await tracking
        .setTag(runId, {
          key: EVALUATION_TAGS.error,
          value: (error as Error).message.slice(0, 5000),
        })
        .catch(() => undefined);
      await tracking.updateRun(runId, {
        status: cancelled ? 'KILLED' : 'FAILED',
        endTime: Date.now(),
      });
      throw error;
    } finally {
      await fs.rm(outDir, { recursive: true, force: true });
    }
  }

  /**
   * The finished evaluations of a registered model's versions, oldest first; `version` and
   * `evalSet` narrow them. Each names its run, version, eval set, dataset SHA-256, time, metrics,
   * gate verdict and the artifact paths of its curves, confusion matrix, importances and SHAP values.
   * @throws SextantError INVALID_PARAMETER_VALUE for a missing name or a malformed version.
   */
  async evaluations(query: EvaluationQuery): Promise<ModelEvaluation[]> {
    return listEvaluations(this.options.tracking, this.options.artifacts, query);
  }

  /**
   * Per eval set, each metric across the registered model's versions over time (oldest first):
   * the data of a chart across continuous-training runs. `version` and `evalSet` narrow it.
   */
  async evaluationHistory(query: EvaluationQuery): Promise<EvaluationHistory[]> {
    return historyOf(await this.evaluations(query));
  }

  /**
   * Gates an evaluation run that is already recorded (the `sextant/gate` pipeline component):
   * its metrics held to `thresholds`, against a baseline run or the version of a registered model
   * holding an alias (evaluated on the run's dataset first when it has no evaluation on those
   * bytes), and the verdict recorded on the run as `sextant evaluate --threshold` records it.
   * @throws SextantError INVALID_PARAMETER_VALUE for a run that is no finished evaluation run.
   */
  async gateRun(request: GateRequest, options: EvaluateOptions = {}): Promise<GateResult> {
    const run = await this.options.tracking.getRun(request.runId);
    const tags = new Map(run.data.tags.map((t) => [t.key, t.value]));
    if (tags.get(EVALUATION_TAGS.evaluation) !== 'true' || run.info.status !== 'FINISHED') {
      throw invalid(
        `run ${request.runId} is no finished evaluation run: gate the run an evaluation recorded`,
      );
    }
    if (!request.thresholds.length) throw invalid('give the thresholds of the gate');
    if (request.baselineAlias !== undefined && request.baselineRunId) {
      throw invalid('give a baseline evaluation run or a baseline alias, not both');
    }
    const name = request.name ?? tags.get(EVALUATION_TAGS.registeredModel);
    if (request.baselineAlias !== undefined && !name) {
      throw invalid('a baseline alias needs the registered model whose alias it is');
    }
    let thresholds = request.thresholds;
    let baseline = request.baselineRunId ? await this.baselineOf(request.baselineRunId) : undefined;
    let baselineAlias: string | undefined;
    if (request.baselineAlias !== undefined && name) {
      const dataset = {
        evalSet: tags.get(EVALUATION_TAGS.evalSet) ?? '',
        sha256: tags.get(EVALUATION_TAGS.datasetSha256) ?? '',
        dataPath: tags.get(EVALUATION_TAGS.datasetPath) ?? '',
      };
      const found = await this.aliasBaseline(
        {
          ...request,
          target: tags.get(EVALUATION_TAGS.target) ?? '',
          task: tags.get(EVALUATION_TAGS.task) as EvaluationTask,
          shap: false,
          permutationImportance: false,
        },
        name,
        validateAlias(request.baselineAlias),
        dataset,
        options,
      );
      if (found.warning) thresholds = absoluteOnly(thresholds);
      baseline = found.baseline;
      baselineAlias = found.alias;
    }
    const gate = applyGate(
      thresholds,
      Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
      baseline,
    );
    await this.recordGate(request.runId, gate, baselineAlias);
    return gate;
  }

  /**
   * The baseline of a gate measured against the version of `name` holding `alias`: its latest
   * evaluation on the same eval set and bytes, made now when there is none; no baseline (and a
   * warning) when no version holds the alias.
   */
  private async aliasBaseline(
    request: Omit<EvaluateRequest, 'model' | 'data'>,
    name: string,
    alias: string,
    dataset: { evalSet: string; sha256: string; dataPath: string },
    options: EvaluateOptions,
  ): Promise<{
    baseline?: { runId: string; metrics: Record<string, number> };
    alias?: string;
    warning?: string;
  }> {
    const holder = await aliasHolder(this.options, name, alias, dataset.evalSet, dataset.sha256);
    if (!holder) {
      const warning = `no version of ${name} holds the alias '${alias}': the gate's changes over a baseline were not checked`;
      options.onOutput?.(`warning: ${warning}\n`);
      return { warning };
    }
    if (holder.evaluation)
      return { baseline: holder.evaluation, alias: `${alias}=${holder.version}` };
    options.onProgress?.({
      stage: 'baseline',
      message: `evaluating ${name} version ${holder.version} (${alias}) on ${dataset.evalSet}`,
    });
    const made = await this.evaluate(
      {
        ...request,
        model: `models:/${name}/${holder.version}`,
        data: dataset.dataPath,
        evalSet: dataset.evalSet,
        thresholds: [],
        baselineRunId: undefined,
        baselineAlias: undefined,
        onPassAlias: undefined,
        runName: undefined,
      },
      options,
    );
    return {
      baseline: { runId: made.runId, metrics: made.metrics },
      alias: `${alias}=${holder.version}`,
    };
  }

  /** A gate's verdict on its evaluation run: the `gate_passed` metric, tags and `gate.json`. */
  private async recordGate(runId: string, gate: GateResult, baselineAlias?: string): Promise<void> {
    const { tracking, artifacts } = this.options;
    const run = await tracking.getRun(runId);
    const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
    await artifacts.write(
      `${root}/${EVALUATION_ARTIFACTS}/gate.json`,
      Buffer.from(JSON.stringify(gate, null, 2)),
    );
    await tracking.logBatch(
      runId,
      [{ key: 'gate_passed', value: gate.passed ? 1 : 0, timestamp: Date.now(), step: 0 }],
      [],
      [
        { key: EVALUATION_TAGS.gate, value: gate.passed ? 'passed' : 'failed' },
        ...(gate.baselineRunId
          ? [{ key: EVALUATION_TAGS.gateBaseline, value: gate.baselineRunId }]
          : []),
        ...(baselineAlias
          ? [{ key: EVALUATION_TAGS.gateBaselineAlias, value: baselineAlias }]
          : []),
      ],
    );
  }

  /** Sets `alias` on the evaluated version after a passing gate, as a registry event. */
  private async moveAlias(
    registered: { name: string; version: string },
    alias: string,
    runId: string,
    evalSet: string,
    actor: { user: string; reason?: string },
  ): Promise<AliasMove> {
    const { registry } = this.options;
    const previous = await registry
      .getVersionByAlias(registered.name, alias)
      .then((v) => v.version)
      .catch(() => undefined);
    await registry.setAlias(registered.name, alias, registered.version, {
      user: actor.user,
      reason: actor.reason ?? `the gate passed in evaluation run ${runId} on eval set ${evalSet}`,
    });
    return {
      name: registered.name,
      alias,
      version: registered.version,
      ...(previous && previous !== registered.version ? { previousVersion: previous } : {}),
    };
  }

  /** The metrics of a baseline evaluation run (latest value of each). */
  private async baselineOf(
    runId: string,
  ): Promise<{ runId: string; metrics: Record<string, number> }> {
    const run = await this.options.tracking.getRun(runId);
    if (!run.data.tags.some((t) => t.key === EVALUATION_TAGS.evaluation && t.value === 'true')) {
      throw invalid(
        `run ${runId} is no evaluation run: give the run id that \`sextant evaluate\` printed`,
      );
    }
    return { runId, metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])) };
  }

  private async experimentId(nameOrId: string | undefined): Promise<string> {
    const { tracking } = this.options;
    const wanted = nameOrId || EVALUATIONS_EXPERIMENT;
    const byName = await tracking.getExperimentByName(wanted);
    if (byName) return byName.experimentId;
    if (/^\d+$/.test(wanted)) return (await tracking.getExperiment(wanted)).experimentId;
    try {
      return await tracking.createExperiment(wanted);
    } catch (error) {
      // Another evaluation created it in between: use that one.
      const created = await tracking.getExperimentByName(wanted);
      if (created) return created.experimentId;
      throw error;
    }
  }

  /** The Python that runs the model (see {@link EvaluateRequest.environment}). */
  private async pythonFor(
    request: EvaluateRequest,
    modelDir: string,
    cwd: string,
    options: EvaluateOptions,
  ): Promise<string> {
    if (request.environment === 'model') {
      const requirements = path.join(modelDir, 'requirements.txt');
      if (!(await exists(requirements))) {
        throw notFound(
          `the model at ${modelDir} has no requirements.txt to build its environment from`,
        );
      }
      options.onProgress?.({
        stage: 'environment',
        message: `provisioning the model's environment from ${requirements}`,
      });
      const { binDir } = await this.provision({
        requirements,
        cacheDir: this.options.environmentsDir,
        onOutput: (_stream, text) => options.onOutput?.(text),
        signal: options.signal ?? new AbortController().signal,
      });
      return path.join(binDir, 'python');
    }
    if (request.python) return request.python;
    const venv = path.join(cwd, '.venv', 'bin', 'python');
    if (await exists(venv)) return venv;
    return process.env.SEXTANT_PYTHON || 'python3';
  }
}
