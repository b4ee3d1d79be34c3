import type Database from 'better-sqlite3';
import type { LineageEdge } from '../model/pipeline';
import { StatementCache } from '../store';

/** A lineage edge as stored, with whether the execution came from the cache. */
export interface StoredEdge extends LineageEdge {
  cached: boolean;
}

interface EdgeRow {
  relation: 'consumed' | 'produced';
  pipeline_run_id: string;
  step: string;
  path: string;
  digest: string;
  cached: number;
  time: number;
}

const edgeOf = (row: EdgeRow): StoredEdge => ({
  relation: row.relation,
  execution: { pipelineRunId: row.pipeline_run_id, step: row.step },
  artifact: { path: row.path, digest: row.digest },
  time: row.time,
  cached: row.cached === 1,
});

/** The `lineage_edges` table: which step execution consumed or produced which artifact version. */
export class LineageStore {
  private readonly sql: StatementCache;

  constructor(private readonly db: Database.Database) {
    this.sql = new StatementCache(db);
  }

  /** Records the edges of one execution (idempotent per execution, relation and path). */
  record(edges: StoredEdge[]): void {
    this.db.transaction(() => {
      for (const e of edges) {
        this.sql
          .get(
            `INSERT OR REPLACE INTO lineage_edges
               (relation, pipeline_run_id, step, path, digest, cached, time)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            e.relation,
            e.execution.pipelineRunId,
            e.execution.step,
            e.artifact.path,
            e.artifact.digest,
            e.cached ? 1 : 0,
            e.time,
          );
      }
    })();
  }

  /** The digest of the newest recorded version of a path. */
  latestDigest(path: string): string | undefined {
    const row = this.sql
      .get(
        'SELECT digest FROM lineage_edges WHERE path = ? ORDER BY time DESC, edge_pk DESC LIMIT 1',
      )
      .get(path) as { digest: string } | undefined;
    return row?.digest;
  }

  /** Edges touching one artifact version, with one relation. */
  byArtifact(path: string, digest: string, relation: 'consumed' | 'produced'): StoredEdge[] {
    return (
      this.sql
        .get(
          `SELECT * FROM lineage_edges WHERE path = ? AND digest = ? AND relation = ?
           ORDER BY time DESC, edge_pk DESC`,
        )
        .all(path, digest, relation) as EdgeRow[]
    ).map(edgeOf);
  }

  /** Edges of one execution, with one relation. */
  byExecution(
    pipelineRunId: string,
    step: string,
    relation: 'consumed' | 'produced',
  ): StoredEdge[] {
    return (
      this.sql
        .get(
          `SELECT * FROM lineage_edges WHERE pipeline_run_id = ? AND step = ? AND relation = ?
           ORDER BY path`,
        )
        .all(pipelineRunId, step, relation) as EdgeRow[]
    ).map(edgeOf);
  }

  /** Every edge of the given pipeline runs (all runs when none given), oldest first. */
  all(pipelineRunIds?: string[]): StoredEdge[] {
    if (pipelineRunIds === undefined) {
      return (
        this.sql.get('SELECT * FROM lineage_edges ORDER BY time, edge_pk').all() as EdgeRow[]
      ).map(edgeOf);
    }
    return pipelineRunIds.flatMap((id) =>
      (
        this.sql
          .get('SELECT * FROM lineage_edges WHERE pipeline_run_id = ? ORDER BY time, edge_pk')
          .all(id) as EdgeRow[]
      ).map(edgeOf),
    );
  }
}
