import type { PipelineRun } from '../model/pipeline';
import { openLineageEvents, type OpenLineageRunEvent } from './openlineage';
import { queryLineage, type LineageGraph, type LineageQuery } from './query';
import type { LineageStore } from './store';

/** The OpenLineage namespace of Sextant's jobs and datasets when none is given. */
export const DEFAULT_NAMESPACE = 'sextant';

/**
 * What lineage reads of pipeline runs (the pipelines capability records them; the engine wires
 * its run store in here).
 */
export interface PipelineRunsReader {
  /** One pipeline run with its step runs, if it exists. */
  get(pipelineRunId: string): PipelineRun | undefined;
  /** The newest runs first, at most `limit`. */
  list(filter: { limit: number }): PipelineRun[];
}

/**
 * Lineage between artifact versions and step executions: walks for "what produced this" and
 * "what used this", and export as OpenLineage run events.
 */
export class LineageService {
  constructor(
    private readonly edges: LineageStore,
    private readonly runs: PipelineRunsReader,
  ) {}

  /** Walks the graph from an artifact version or a step execution. */
  query(query: LineageQuery): LineageGraph {
    return queryLineage(
      this.edges,
      query,
      (pipelineRunId, step) =>
        this.runs.get(pipelineRunId)?.steps.find((s) => s.step === step)?.runId,
    );
  }

  /**
   * OpenLineage RunEvents of finished pipeline runs (or the ones named), oldest first.
   * `namespace` defaults to {@link DEFAULT_NAMESPACE}.
   */
  exportOpenLineage(
    options: { pipelineRunIds?: string[]; namespace?: string; limit?: number } = {},
  ): OpenLineageRunEvent[] {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const runs = options.pipelineRunIds
      ? options.pipelineRunIds.flatMap((id) => {
          const run = this.runs.get(id);
          return run ? [run] : [];
        })
      : this.runs.list({ limit: options.limit ?? 10_000 }).reverse();
    return runs.flatMap((run) =>
      openLineageEvents(run, this.edges.all([run.pipelineRunId]), namespace),
    );
  }
}
