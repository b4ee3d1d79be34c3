import path from 'node:path';
import type { ResolvedStep, StepRun } from '../../model/pipeline';
import type { ProvisionEnvironment, StepEnvironment } from '../../compute';
import { insideRoot, provisionEnvironment } from '../../compute';
import type { ActiveRun, OutputWriter } from './runState';
import { pythonVariables, workspacePython, type ChosenPython } from './stepPython';

/**
 * The process environment of each step: the run's base (this process's, without MLflow's
 * experiment variables), Sextant's variables and the step's own; with its provisioned virtual
 * environment first on the PATH when it names requirements.
 */
export class StepEnvironments {
  /** The MLflow tracking URI handed to steps (`MLFLOW_TRACKING_URI`, `MLFLOW_RUN_ID`), when served. */
  trackingUri: string | undefined;
  /**
   * The store handed to steps as `SEXTANT_STORE` (with their tracked run as `SEXTANT_RUN_ID`), so
   * that built-ins running `sextant component ...` (evaluate, gate, register) use the run's store.
   */
  storeDir: string | undefined;
  /**
   * The interpreter steps run with (first on their PATH): the one the user chose in the IDE or on
   * the command line; unset, the workspace's own `.venv` when it has one, else the PATH as it is.
   */
  python: ChosenPython | undefined;

  constructor(
    /** Where provisioned environments are kept. */
    private readonly envsDir: string,
    private readonly provision: ProvisionEnvironment = provisionEnvironment,
  ) {}

  /** The process environment of a step: the run's base, Sextant's variables and the step's. */
  of(active: ActiveRun, step: ResolvedStep, runId: string): StepEnvironment {
    // Every step of the run shares the base, so a backend can send it once.
    let base = active.baseEnv;
    if (!base) {
      const fromProcess: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) fromProcess[k] = v;
      delete fromProcess.MLFLOW_EXPERIMENT_NAME;
      delete fromProcess.MLFLOW_EXPERIMENT_ID;
      base = active.baseEnv = Object.freeze(fromProcess);
    }
    const vars: Record<string, string> = { ...step.environment.vars };
    Object.assign(vars, {
      SEXTANT_PIPELINE: active.pipeline.name,
      SEXTANT_PIPELINE_RUN_ID: active.run.pipelineRunId,
      SEXTANT_STEP: step.name,
    });
    if (this.storeDir) Object.assign(vars, { SEXTANT_STORE: this.storeDir, SEXTANT_RUN_ID: runId });
    if (this.trackingUri)
      Object.assign(vars, { MLFLOW_TRACKING_URI: this.trackingUri, MLFLOW_RUN_ID: runId });
    const python = this.pythonFor(active);
    if (python) Object.assign(vars, pythonVariables(python, vars.PATH ?? base.PATH ?? ''));
    return { base, vars };
  }

  /** The interpreter a step of this run runs with when it names no requirements. */
  pythonFor(active: ActiveRun): ChosenPython | undefined {
    return (
      this.python ?? (active.python ??= workspacePython(active.pipeline.root) ?? null) ?? undefined
    );
  }

  /** A step's environment with its provisioned virtual environment first on the PATH. */
  async provisioned(
    active: ActiveRun,
    step: ResolvedStep,
    env: StepEnvironment,
    write: OutputWriter,
    signal: AbortSignal,
    markRunning: (change?: Partial<StepRun>) => void,
  ): Promise<{ env: StepEnvironment } | { failed: string }> {
    markRunning();
    try {
      const { binDir, id } = await this.provision({
        requirements: insideRoot(
          active.pipeline.root,
          step.environment.requirements as string,
          'requirements',
        ),
        cacheDir: this.envsDir,
        onOutput: write,
        signal,
      });
      markRunning({ environment: id });
      const vars = {
        ...env.vars,
        PATH: `${binDir}${path.delimiter}${env.vars.PATH ?? env.base.PATH ?? ''}`,
        VIRTUAL_ENV: path.dirname(binDir),
      };
      return { env: { base: env.base, vars } };
    } catch (error) {
      return { failed: `could not provision the environment: ${(error as Error).message}` };
    }
  }
}
