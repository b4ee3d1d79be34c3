import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EvaluationCancelled, invalid, notFound, type Engine } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { toResponseError } from '../errors';
import { optionalChoice, optionalString, requiredString } from '../params';
import {
  EvaluationCancelRequest,
  EvaluationFinishedNotification,
  EvaluationGetRequest,
  EvaluationListRequest,
  EvaluationProgressNotification,
  EvaluationStartRequest,
  type EvaluationState,
  type EvaluationStatus,
  type VersionRef,
} from '../protocol';
import { handle, type HandlerContext } from './context';
import { evaluationDetails, listEvaluations } from './evaluationData';
import { versionRefs } from './registryCompare';

/** One evaluation started by `sextant/evaluation/start`. */
interface Running {
  status: EvaluationStatus;
  abort: AbortController;
  done: Promise<void>;
}

/** What an evaluation of some versions needs. */
interface EvaluationPlan {
  versions: VersionRef[];
  data: string;
  target: string;
  task: 'classifier' | 'regressor';
  evalSet?: string;
  sliceColumn?: string;
  environment?: 'current' | 'model';
  cwd: string;
}

/**
 * `sextant/evaluation/*`: evaluations of registered versions started in the background (progress
 * and end notified, cancellable), and the recorded evaluations of a model, listed or in full.
 */
export function registerEvaluationHandlers(connection: Connection, context: HandlerContext): void {
  const running = new Map<string, Running>();

  const notify = (send: () => Promise<void>): void => {
    send().catch((error: unknown) =>
      connection.console.warn(`sextant: an evaluation update was lost: ${String(error)}`),
    );
  };

  const finish = (id: string, state: EvaluationState, error?: string): void => {
    const entry = running.get(id);
    if (!entry) return;
    entry.status = { ...entry.status, state, ...(error ? { error } : {}) };
    notify(() => connection.sendNotification(EvaluationFinishedNotification, entry.status));
    setTimeout(() => running.delete(id), 60_000).unref();
  };

  const evaluateAll = async (id: string, engine: Engine, plan: EvaluationPlan): Promise<void> => {
    const entry = running.get(id)!;
    for (const [index, ref] of plan.versions.entries()) {
      if (entry.abort.signal.aborted) break;
      const result = await engine.evaluation.evaluate(
        {
          model: `models:/${ref.name}/${ref.version}`,
          data: plan.data,
          target: plan.target,
          task: plan.task,
          cwd: plan.cwd,
          runName: `evaluate ${ref.name} v${ref.version}`,
          ...(plan.evalSet ? { evalSet: plan.evalSet } : {}),
          ...(plan.sliceColumn ? { sliceColumn: plan.sliceColumn } : {}),
          ...(plan.environment ? { environment: plan.environment } : {}),
        },
        {
          signal: entry.abort.signal,
          onProgress: (progress) =>
            notify(() =>
              connection.sendNotification(EvaluationProgressNotification, {
                evaluationId: id,
                name: ref.name,
                version: ref.version,
                index,
                total: plan.versions.length,
                progress,
              }),
            ),
        },
      );
      entry.status.runIds.push(result.runId);
    }
  };

  handle(connection, EvaluationStartRequest, async (params) => {
    const { engine } = context.workspace();
    const versions = versionRefs(params, 1, 10);
    const task = optionalChoice(params, 'task', ['classifier', 'regressor'] as const);
    if (task === undefined) throw invalid("Give the 'task': 'classifier' or 'regressor'.");
    const environment = optionalChoice(params, 'environment', ['current', 'model'] as const);
    const cwd = context.folder?.() ?? process.cwd();
    const data = path.resolve(cwd, requiredString(params, 'data'));
    for (const ref of versions) await engine.registry.getVersion(ref.name, ref.version);
    const evalSet = optionalString(params, 'evalSet');
    const sliceColumn = optionalString(params, 'sliceColumn');
    const plan: EvaluationPlan = {
      versions,
      data,
      target: requiredString(params, 'target'),
      task,
      cwd,
      ...(evalSet ? { evalSet } : {}),
      ...(sliceColumn ? { sliceColumn } : {}),
      ...(environment ? { environment } : {}),
    };
    const evaluationId = randomUUID();
    const entry: Running = {
      status: { evaluationId, state: 'running', runIds: [] },
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    running.set(evaluationId, entry);
    entry.done = evaluateAll(evaluationId, engine, plan).then(
      () => finish(evaluationId, entry.abort.signal.aborted ? 'cancelled' : 'finished'),
      (error: unknown) =>
        error instanceof EvaluationCancelled || entry.abort.signal.aborted
          ? finish(evaluationId, 'cancelled')
          : finish(evaluationId, 'failed', toResponseError(error).message),
    );
    return { evaluationId };
  });

  handle(connection, EvaluationCancelRequest, async (params) => {
    const id = requiredString(params, 'evaluationId');
    const entry = running.get(id);
    if (!entry) throw notFound(`No evaluation ${id} is running here.`);
    entry.abort.abort();
    await entry.done;
    return entry.status;
  });

  handle(connection, EvaluationListRequest, async (params) => {
    const version = optionalString(params, 'version');
    const evalSet = optionalString(params, 'evalSet');
    return {
      evaluations: await listEvaluations(context.workspace().engine, {
        name: requiredString(params, 'name'),
        ...(version ? { version } : {}),
        ...(evalSet ? { evalSet } : {}),
      }),
    };
  });

  handle(connection, EvaluationGetRequest, (params) =>
    evaluationDetails(context.workspace().engine, requiredString(params, 'runId')),
  );
}
