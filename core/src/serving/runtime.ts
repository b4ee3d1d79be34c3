import type { WorkerReady, WorkerResult } from './worker';

/**
 * What runs a served model's predictions, as the endpoint sees it: the Python workers
 * ({@link ReplicaPool}) or ONNX in-process ({@link OnnxRuntime}).
 */
export interface Runtime {
  /** The model's signature once it is loaded; rejects when it cannot be. */
  readonly ready: Promise<WorkerReady>;
  readonly isReady: boolean;
  /** Why it stopped serving, when it did. */
  readonly failed: string | undefined;
  readonly queueDepth: number;
  readonly replicaCounts: { ready: number; starting: number };
  /** One request's worker item (JSON text) to its result. @throws ServingError */
  submit(text: string): Promise<WorkerResult>;
  stop(): Promise<void>;
}
