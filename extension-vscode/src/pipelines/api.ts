/**
 * The `sextant/pipelines/*` part of the protocol as the Pipelines features use it: plain
 * TypeScript, implemented over the language client by {@link pipelinesOverConnection}, and by
 * fakes in tests.
 */
import {
  PipelinesCancelRequest,
  PipelinesChangedNotification,
  PipelinesGcRequest,
  PipelinesGraphRequest,
  PipelinesListRequest,
  PipelinesLogNotification,
  PipelinesRunRequest,
  PipelinesRunsRequest,
  PipelinesStepLogRequest,
  type PipelineGraph,
  type PipelineRun,
  type PipelinesChangedParams,
  type PipelinesGcParams,
  type PipelinesGcResult,
  type PipelinesGraphParams,
  type PipelinesListResult,
  type PipelinesLogParams,
  type PipelinesRunParams,
  type PipelinesRunResult,
  type PipelinesRunsParams,
  type PipelinesRunsResult,
  type PipelinesStepLogParams,
  type PipelinesStepLogResult,
} from '@sextant/language-server/dist/protocol';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { Emitter, type Subscribe } from '../api';

/** What the Pipelines tree, commands and graph panel need from the language server. */
export interface PipelinesApi {
  list(): Promise<PipelinesListResult>;
  graph(params: PipelinesGraphParams): Promise<PipelineGraph>;
  run(params: PipelinesRunParams): Promise<PipelinesRunResult>;
  cancel(pipelineRunId: string): Promise<PipelineRun>;
  runs(params: PipelinesRunsParams): Promise<PipelinesRunsResult>;
  stepLog(params: PipelinesStepLogParams): Promise<PipelinesStepLogResult>;
  /** Cleans the pipeline cache (or, `dry`, answers what would go). */
  gc(params: PipelinesGcParams): Promise<PipelinesGcResult>;
  /** A pipeline run started, a step changed state, or the run ended. */
  readonly onChanged: Subscribe<PipelinesChangedParams>;
  /** Output of a running step. */
  readonly onLog: Subscribe<PipelinesLogParams>;
}

/** The part of vscode-languageclient's `LanguageClient` that {@link pipelinesOverConnection} uses. */
export type Connection = Pick<BaseLanguageClient, 'sendRequest' | 'onNotification'>;

/**
 * {@link PipelinesApi} over a language client. Each notification is registered once (a client
 * keeps one handler per method) and fanned out to every subscriber.
 */
export function pipelinesOverConnection(connection: Connection): PipelinesApi {
  const changed = new Emitter<PipelinesChangedParams>();
  const log = new Emitter<PipelinesLogParams>();
  connection.onNotification(PipelinesChangedNotification, (params) => changed.fire(params));
  connection.onNotification(PipelinesLogNotification, (params) => log.fire(params));
  return {
    list: () => connection.sendRequest(PipelinesListRequest),
    graph: (params) => connection.sendRequest(PipelinesGraphRequest, params),
    run: (params) => connection.sendRequest(PipelinesRunRequest, params),
    cancel: (pipelineRunId) => connection.sendRequest(PipelinesCancelRequest, { pipelineRunId }),
    runs: (params) => connection.sendRequest(PipelinesRunsRequest, params),
    stepLog: (params) => connection.sendRequest(PipelinesStepLogRequest, params),
    gc: (params) => connection.sendRequest(PipelinesGcRequest, params),
    onChanged: changed.event,
    onLog: log.event,
  };
}
