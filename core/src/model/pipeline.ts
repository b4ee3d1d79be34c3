/**
 * Pipelines: the spec as Sextant resolves it, the records of pipeline and step runs, lineage
 * between artifacts and executions, and triggers. Pure data types shared by the parser
 * (`core/src/pipelines/definition`), the runner (`core/src/pipelines/run`), compute backends
 * (`core/src/compute`), lineage (`core/src/lineage`), the language server and the views.
 *
 * Paths are POSIX, relative to the workspace root (the folder of the pipeline file) unless a
 * field says otherwise. Times are epoch milliseconds.
 */

/** A position in a text document, 0-based, as LSP counts it (UTF-16 code units). */
export interface SourcePosition {
  line: number;
  character: number;
}

/** A span of a text document, as LSP's `Range`. */
export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** Where a resolved value was written: the file and the span of its YAML node. */
export interface SourceLocation {
  /** Absolute path of the file. */
  file: string;
  range: SourceRange;
}

/** How bad a finding in a pipeline file is. */
export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** What kind of problem a finding is; language features and tests match on this. */
export type PipelineDiagnosticCode =
  | 'yaml-syntax'
  | 'schema'
  | 'cycle'
  | 'unknown-dependency'
  | 'duplicate-output'
  | 'missing-script'
  | 'unknown-param'
  | 'missing-params-file'
  | 'unknown-component'
  | 'component-input'
  | 'duplicate-step'
  | 'foreach';

/** One problem found while parsing, validating or planning a pipeline file. */
export interface PipelineDiagnostic {
  code: PipelineDiagnosticCode;
  severity: DiagnosticSeverity;
  message: string;
  /** Absolute path of the file the range is in (the pipeline file, a component or params file). */
  file: string;
  range: SourceRange;
}

/** Resources a step declares; the local scheduler never runs more at once than the machine has. */
export interface StepResources {
  /** CPU cores, default 1. */
  cpu: number;
  /** GPUs, default 0. */
  gpu: number;
  /** Memory in MiB, default 0 (not accounted). */
  memoryMb: number;
}

/** The environment a step runs in. */
export interface StepEnvironment {
  /** Extra environment variables. */
  vars: Record<string, string>;
  /**
   * A Python requirements file (workspace-relative): Sextant provisions a virtual environment for
   * it, cached by the file's content hash, and puts its `bin/` first on PATH.
   */
  requirements?: string;
}

/** A parameter a step reads: a key of a params file and the value it has now. */
export interface StepParam {
  /** Params file, workspace-relative (default `params.yaml`). */
  file: string;
  /** Dotted key, e.g. `train.lr`. */
  key: string;
  /** The value read from the file when the plan was made (JSON-serialisable). */
  value: unknown;
}

/** One step, fully resolved: `foreach` expanded, `use` of a component applied, defaults filled. */
export interface ResolvedStep {
  /** Unique within the pipeline; an expanded step is `name@key` (e.g. `train@lr-0.1`). */
  name: string;
  /** The shell command (`sh -c`). Built-in components resolve to a command too. */
  run: string;
  /** Working directory, workspace-relative (default `.`). */
  wd: string;
  /** Files and folders read (workspace-relative), including other steps' outputs. */
  deps: string[];
  params: StepParam[];
  /** Files and folders written (workspace-relative); cached by content. */
  outputs: string[];
  /** Metrics files (JSON or YAML, flat or nested numbers) read after the step; also outputs. */
  metrics: string[];
  /** Files among the outputs to also store as artifacts of the step's tracked run (small ones). */
  artifacts: string[];
  environment: StepEnvironment;
  resources: StepResources;
  /** Name of a compute target: `local` (default) or one declared under `compute:` (e.g. Ray). */
  compute: string;
  /** Extra attempts after a failure, default 0. */
  retries: number;
  /** Seconds before the step is stopped and failed; absent: no limit. */
  timeoutSec?: number;
  /** Names of the steps that must finish first (from outputs it depends on, and `after:`). */
  upstream: string[];
  /** The component it was made from (`use:`), by name, when it was. */
  component?: string;
  /** Where the step is written. */
  location: SourceLocation;
}

/** A compute target declared in the pipeline file. */
export interface ComputeTarget {
  name: string;
  kind: 'local' | 'ray';
  /** Ray: the dashboard / Jobs API address, e.g. `http://127.0.0.1:8265`. */
  address?: string;
  /**
   * Ray: how jobs see the workspace. `shared` (default): at the same path (a cluster on this
   * machine, or a shared file system). `upload`: each job gets a package of what its step reads
   * and sends its outputs back through the tracking server.
   */
  workspace?: 'shared' | 'upload';
  /**
   * Ray: the tracking server's URL as the cluster's nodes reach it (a step's `mlflow` client and
   * the sending back of outputs use it); default: the one this Sextant serves on.
   */
  tracking?: string;
}

/** A trigger declared on a pipeline. */
export type TriggerSpec =
  | { kind: 'files'; paths: string[]; debounceMs: number }
  | { kind: 'cron'; schedule: string; timezone?: string }
  | { kind: 'webhook' }
  | { kind: 'pipeline'; pipeline: string; on: 'success' | 'failure' | 'any' };

/** One pipeline of a file, resolved. Steps are in a topological order. */
export interface ResolvedPipeline {
  name: string;
  /** Absolute path of the pipeline file. */
  file: string;
  /** Absolute path of the workspace root the relative paths are resolved against. */
  root: string;
  steps: ResolvedStep[];
  compute: ComputeTarget[];
  triggers: TriggerSpec[];
  location: SourceLocation;
}

/** The state of one step in one pipeline run, as the graph colours it. */
export type StepStatus =
  | 'queued'
  | 'running'
  | 'cached'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'skipped'
  | 'stale'
  /** Never executed, in no run: a state of a step now, never of a step in a run. */
  | 'not-run';

/** The state of a pipeline run. */
export type PipelineRunStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** What started a pipeline run. */
export interface TriggerRecord {
  kind: 'manual' | 'files' | 'cron' | 'webhook' | 'pipeline';
  /** Human-readable detail: the changed file, the schedule, the upstream pipeline run id. */
  detail?: string;
}

/** One execution of one step inside a pipeline run. */
export interface StepRun {
  step: string;
  status: StepStatus;
  /** Hash of command, environment, dependency contents and param values. */
  cacheKey?: string;
  /** The tracking run (MLflow run id) that records this execution. */
  runId?: string;
  /** Compute target it ran on. */
  compute: string;
  /** Attempts made (1 for a first try). */
  attempts: number;
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  /** Why it failed, was skipped or cancelled. */
  reason?: string;
  /** Ray: the submission id of the job. */
  externalId?: string;
  /**
   * The virtual environment it ran in: the SHA-256 of its requirements file, the environment's
   * folder name under `<store>/envs`. Absent for a step without `requirements` or not executed.
   */
  environment?: string;
}

/** One execution of a pipeline. */
export interface PipelineRun {
  pipelineRunId: string;
  pipeline: string;
  /** Absolute path of the pipeline file. */
  file: string;
  status: PipelineRunStatus;
  trigger: TriggerRecord;
  /** The parent tracking run; step runs are its children. */
  runId?: string;
  startTime: number;
  endTime?: number;
  /** Forced (`--force`): cache ignored. */
  forced: boolean;
  steps: StepRun[];
}

/** A node of the lineage graph. */
export type LineageNode =
  | {
      kind: 'artifact';
      /** Workspace-relative path (or `runs:/...` URI for tracked artifacts). */
      path: string;
      /** Content hash (`md5:<hex>` for files, tree hash for folders). */
      digest: string;
    }
  | {
      kind: 'execution';
      pipelineRunId: string;
      step: string;
      runId?: string;
    };

/** A lineage edge: an execution consumed or produced an artifact version. */
export interface LineageEdge {
  /** `consumed`: artifact → execution; `produced`: execution → artifact. */
  relation: 'consumed' | 'produced';
  execution: { pipelineRunId: string; step: string };
  artifact: { path: string; digest: string };
  time: number;
}

/** Progress of a running pipeline, as the runner emits it and the language server forwards it. */
export type PipelineEvent =
  | { type: 'run-started'; run: PipelineRun }
  | { type: 'step-status'; pipelineRunId: string; step: StepRun }
  | {
      type: 'step-log';
      pipelineRunId: string;
      step: string;
      stream: 'stdout' | 'stderr';
      text: string;
    }
  | { type: 'run-finished'; run: PipelineRun };

/** What a cache collection kept and removed (or, dry, would remove). */
export interface CacheCollection {
  /** True when nothing was removed: the figures say what would have been. */
  dryRun: boolean;
  /** Step cache entries: one per cache key, the outputs of one step version. */
  entries: { kept: number; removed: number };
  /** Files under `objects/`: file contents and folder manifests. */
  objects: { kept: number; removed: number };
  /** Bytes of those files (their apparent size). */
  bytes: { kept: number; removed: number };
  /** Steps' virtual environments under `envs/`, one per requirements file content. */
  environments: { kept: number; removed: number };
  /** Bytes of their folders (and, removed, of killed provisionings' left-overs). */
  environmentBytes: { kept: number; removed: number };
}

/** Tags Sextant sets on the tracking runs of pipelines. */
export const PIPELINE_TAGS = {
  parent: 'mlflow.parentRunId',
  pipeline: 'sextant.pipeline',
  pipelineRunId: 'sextant.pipelineRunId',
  step: 'sextant.step',
  cached: 'sextant.cached',
  cachedFrom: 'sextant.cachedFrom',
  failureReason: 'sextant.failureReason',
  /** The GPUs a local step ran on (comma separated, as its `CUDA_VISIBLE_DEVICES` named them). */
  gpus: 'sextant.gpus',
  /** The interpreter a step without requirements ran with, and where it was chosen. */
  python: 'sextant.python',
} as const;
