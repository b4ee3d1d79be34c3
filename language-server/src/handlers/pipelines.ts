import {
  describeCollection,
  invalid,
  type Engine,
  type PipelineEvent,
  type PipelineRun,
} from '@sextant/core';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { KeyedThrottle } from '../throttle';
import { toResponseError } from '../errors';
import {
  optionalBoolean,
  optionalChoice,
  optionalInteger,
  optionalString,
  requiredString,
} from '../params';
import {
  LineageQueryRequest,
  PipelinesCancelRequest,
  PipelinesGcRequest,
  PipelinesChangedNotification,
  PipelinesStatesChangedNotification,
  PipelinesGraphRequest,
  PipelinesListRequest,
  PipelinesLogNotification,
  PipelinesRunRequest,
  PipelinesRunsRequest,
  PipelinesStepLogRequest,
  type PipelineFileSummary,
  type PipelineGraph,
  type PipelineGraphNode,
} from '../protocol';
import { handle, type HandlerContext } from './context';
import type { Workspace } from '../workspaces';

/** Default least time between two `sextant/pipelines/changed` about the same run. */
export const PIPELINE_NOTIFY_INTERVAL_MS = 100;

/**
 * A pipeline file named by a client: an absolute path inside the workspace folder (when the
 * server has one), so a client cannot have the server run a file from elsewhere.
 */
function pipelineFile(context: HandlerContext, params: unknown): string {
  const file = requiredString(params, 'file');
  if (!path.isAbsolute(file)) {
    throw invalid(
      `Invalid 'file' ${JSON.stringify(file)}: give the absolute path of a pipeline file.`,
    );
  }
  const folder = context.folder?.();
  if (folder !== undefined) {
    const relative = path.relative(path.resolve(folder), path.resolve(file));
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw invalid(`The pipeline file ${file} is outside the workspace folder ${folder}.`);
    }
  }
  return path.resolve(file);
}

async function listFiles(context: HandlerContext): Promise<PipelineFileSummary[]> {
  const folder = context.folder?.();
  if (folder === undefined) return [];
  const { engine } = context.workspace();
  const files: PipelineFileSummary[] = [];
  for (const file of await engine.pipelines.findFiles(folder)) {
    const loaded = await engine.pipelines.loadFile(file);
    files.push({
      file: loaded.file,
      pipelines: loaded.pipelines.map((p) => {
        const lastRun = engine.pipelines.lastRun(p.file, p.name);
        return {
          name: p.name,
          file: p.file,
          steps: p.steps.map((s) => s.name),
          ...(lastRun ? { lastRun } : {}),
        };
      }),
      diagnostics: loaded.diagnostics,
    });
  }
  return files;
}

async function graphOf(context: HandlerContext, params: unknown): Promise<PipelineGraph> {
  const file = pipelineFile(context, params);
  const name = optionalString(params, 'pipeline');
  const pipelineRunId = optionalString(params, 'pipelineRunId');
  const { engine } = context.workspace();
  const pipeline = await engine.pipelines.resolve(file, name);
  let run: PipelineRun | undefined;
  if (pipelineRunId !== undefined) {
    run = engine.pipelines.getRun(pipelineRunId);
    if (run.file !== pipeline.file || run.pipeline !== pipeline.name) {
      throw invalid(
        `Pipeline run ${pipelineRunId} is a run of '${run.pipeline}', not of '${pipeline.name}'.`,
      );
    }
  } else {
    run = engine.pipelines.lastRun(pipeline.file, pipeline.name);
  }
  const states = pipelineRunId === undefined ? await engine.pipelines.statesOf(pipeline) : {};
  const nodes: PipelineGraphNode[] = pipeline.steps.map((step) => {
    const base = {
      step: step.name,
      run: step.run,
      compute: step.compute,
      outputs: [...step.outputs, ...step.metrics],
    };
    if (pipelineRunId !== undefined) {
      const record = run?.steps.find((s) => s.step === step.name);
      return {
        ...base,
        status: record?.status ?? 'queued',
        ...(record?.runId ? { runId: record.runId } : {}),
        ...(record?.startTime !== undefined && record.endTime !== undefined
          ? { durationMs: record.endTime - record.startTime }
          : {}),
      };
    }
    const state = states[step.name];
    return {
      ...base,
      status: state?.status ?? 'not-run',
      ...(state?.runId ? { runId: state.runId } : {}),
      ...(state?.durationMs !== undefined ? { durationMs: state.durationMs } : {}),
    };
  });
  const edges = pipeline.steps.flatMap((step) =>
    step.upstream.map((from) => ({ from, to: step.name })),
  );
  return { pipeline: pipeline.name, file: pipeline.file, nodes, edges, ...(run ? { run } : {}) };
}

/**
 * `sextant/pipelines/*` and `sextant/lineage/query`: pipeline files of the workspace, graphs,
 * runs (start, plan, cancel, list), step logs and lineage walks.
 */
export function registerPipelineHandlers(connection: Connection, context: HandlerContext): void {
  connection.onRequest(PipelinesListRequest, async () => {
    try {
      return { files: await listFiles(context) };
    } catch (error) {
      throw toResponseError(error);
    }
  });

  handle(connection, PipelinesGraphRequest, (params) => graphOf(context, params));

  handle(connection, PipelinesRunRequest, async (params) => {
    const file = pipelineFile(context, params);
    const name = optionalString(params, 'pipeline');
    const step = optionalString(params, 'step');
    const force = optionalBoolean(params, 'force');
    const dry = optionalBoolean(params, 'dry');
    const { engine } = context.workspace();
    const pipeline = await engine.pipelines.resolve(file, name);
    const options = { ...(step ? { step } : {}), force };
    const plan = await engine.pipelines.planPipeline(pipeline, options);
    if (dry) return { plan };
    const { run } = await engine.pipelines.startPipeline(pipeline, options);
    return { pipelineRunId: run.pipelineRunId, plan };
  });

  handle(connection, PipelinesCancelRequest, async (params) =>
    context.workspace().engine.pipelines.cancel(requiredString(params, 'pipelineRunId')),
  );

  handle(connection, PipelinesRunsRequest, async (params) => {
    const file = optionalString(params, 'file');
    const pipeline = optionalString(params, 'pipeline');
    const limit = optionalInteger(params, 'limit', 1, 1000) ?? 50;
    const runs = context.workspace().engine.pipelines.listRuns({
      ...(file !== undefined ? { file: pipelineFile(context, params) } : {}),
      ...(pipeline !== undefined ? { pipeline } : {}),
      limit,
    });
    return { runs };
  });

  handle(connection, PipelinesStepLogRequest, async (params) =>
    context
      .workspace()
      .engine.pipelines.stepLog(
        requiredString(params, 'pipelineRunId'),
        requiredString(params, 'step'),
      ),
  );

  handle(connection, PipelinesGcRequest, async (params) => {
    const keep = optionalInteger(params, 'keep', 0, 1_000_000) ?? 1;
    const dryRun = optionalBoolean(params, 'dry');
    const collected = await context.workspace().engine.pipelines.collectCache({ keep, dryRun });
    return { ...collected, summary: describeCollection(collected) };
  });

  handle(connection, LineageQueryRequest, async (params) => {
    const direction = optionalChoice(params, 'direction', ['upstream', 'downstream'] as const);
    if (direction === undefined) throw invalid("Missing 'direction': 'upstream' or 'downstream'.");
    const at = optionalString(params, 'path');
    const digest = optionalString(params, 'digest');
    const pipelineRunId = optionalString(params, 'pipelineRunId');
    const step = optionalString(params, 'step');
    const depth = optionalInteger(params, 'depth', 1, 100);
    return context.workspace().engine.lineage.query({
      direction,
      ...(at !== undefined ? { path: at } : {}),
      ...(digest !== undefined ? { digest } : {}),
      ...(pipelineRunId !== undefined ? { pipelineRunId } : {}),
      ...(step !== undefined ? { step } : {}),
      ...(depth !== undefined ? { depth } : {}),
    });
  });
}

/**
 * Turns one engine's pipeline events into `sextant/pipelines/changed` (coalesced: at most one
 * per run per interval, the last state always sent) and `sextant/pipelines/log` notifications.
 */
export class PipelineUpdates {
  private disposed = false;
  private readonly changed: KeyedThrottle;
  private readonly unsubscribe: Array<() => void>;
  private readonly engine: Engine;

  constructor(
    private readonly connection: Connection,
    workspace: Pick<Workspace, 'engine' | 'onFilesChanged'>,
    intervalMs = PIPELINE_NOTIFY_INTERVAL_MS,
  ) {
    this.engine = workspace.engine;
    this.changed = new KeyedThrottle(intervalMs, (pipelineRunId) =>
      this.sendChanged(pipelineRunId),
    );
    this.unsubscribe = [
      this.engine.pipelines.onEvent((event) => this.onEvent(event)),
      workspace.onFilesChanged((files) =>
        this.send(() =>
          this.connection.sendNotification(PipelinesStatesChangedNotification, { files }),
        ),
      ),
    ];
  }

  /** Stops listening; pending notifications are dropped. */
  dispose(): void {
    this.disposed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.changed.dispose();
  }

  private onEvent(event: PipelineEvent): void {
    if (this.disposed) return;
    if (event.type === 'step-log') {
      const { pipelineRunId, step, stream, text } = event;
      this.send(() =>
        this.connection.sendNotification(PipelinesLogNotification, {
          pipelineRunId,
          step,
          stream,
          text,
        }),
      );
      return;
    }
    const id = event.type === 'step-status' ? event.pipelineRunId : event.run.pipelineRunId;
    this.changed.add(id);
  }

  private sendChanged(pipelineRunId: string): void {
    this.send(async () => {
      const run = this.engine.pipelines.getRun(pipelineRunId);
      if (!this.disposed)
        await this.connection.sendNotification(PipelinesChangedNotification, { run });
    });
  }

  private send(notify: () => Promise<void>): void {
    if (this.disposed) return;
    notify().catch((error: unknown) => {
      if (!this.disposed) {
        this.connection.console.warn(`sextant: a pipeline update was lost: ${String(error)}`);
      }
    });
  }
}
