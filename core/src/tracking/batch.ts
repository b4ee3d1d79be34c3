import type { RunInfo } from '../model';
import type { UnitOfWork, WriteTransaction } from '../store';
import type { TrackingEventBus } from './events';
import type { MetricInput, RecordedRunInput, RunUpdate, TrackingStore } from './store';

/**
 * Tracking's port for writers that record many runs at once (the pipeline runner's journal):
 * whole runs and their changes, written inside the caller's unit of work so that they commit
 * together with the caller's own records. Tracking announces the runs it wrote (`runChanged`,
 * `metricsAppended`) itself, once the transaction has committed.
 */
export interface TrackingBatchWriter {
  /** Inserts whole runs (running, or already ended); answers their infos in order. */
  insertRuns(tx: WriteTransaction, runs: RecordedRunInput[]): RunInfo[];
  /** Applies status, times, tags and metrics to active runs; answers their infos in order. */
  updateRuns(tx: WriteTransaction, updates: RunUpdate[]): RunInfo[];
}

/**
 * The batch writer of `store` inside `unit`'s transactions, announcing on `events`. Throws when
 * the store cannot write inside `unit` (another database, or another connection to it).
 */
export function trackingBatchWriter(
  store: TrackingStore,
  events: TrackingEventBus,
  unit: UnitOfWork,
): TrackingBatchWriter {
  if (!store.joins(unit)) {
    throw new Error(
      'the tracking store cannot write inside this unit of work: pipelines need a SQLite ' +
        'tracking store on the same database connection as theirs',
    );
  }
  const announce = (
    tx: WriteTransaction,
    written: RunInfo[],
    metricsOf: (i: number) => MetricInput[],
  ): void => {
    if (written.length === 0) return;
    tx.afterCommit(() =>
      written.forEach((info, i) => {
        const metrics = metricsOf(i);
        if (metrics.length > 0) {
          const keys = [...new Set(metrics.map((m) => m.key))];
          events.emit('metricsAppended', { runId: info.runId, keys });
        }
        events.emit('runChanged', { runId: info.runId, experimentId: info.experimentId });
      }),
    );
  };
  return {
    insertRuns(tx, runs) {
      const written = store.insertRuns(tx, runs);
      announce(tx, written, (i) => runs[i]?.metrics ?? []);
      return written;
    },
    updateRuns(tx, updates) {
      const written = store.updateRuns(tx, updates);
      announce(tx, written, (i) => updates[i]?.metrics ?? []);
      return written;
    },
  };
}
