import { EventEmitter } from 'node:events';

/** What changed in the tracking store; the language server turns these into notifications. */
export interface TrackingEvents {
  /** A run was created, updated, deleted, restored, renamed or tagged. */
  runChanged: [{ runId: string; experimentId: string }];
  /** Metric points were appended to a run. */
  metricsAppended: [{ runId: string; keys: string[] }];
  /** An experiment was created, renamed, deleted, restored or tagged. */
  experimentChanged: [{ experimentId: string }];
}

/** A typed event emitter for {@link TrackingEvents}. */
export class TrackingEventBus extends EventEmitter<TrackingEvents> {}
