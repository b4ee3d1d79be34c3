import type Database from 'better-sqlite3';
import type { Metric, MetricRange, Page, SampledSeries } from '../model';
import { BLOCK_LEVELS, limitClause } from '../store';
import { decodePageToken, toPage } from './pageToken';
import { toMetric, type MetricRow } from './rows';
import { sampleSeries } from './sampleSql';
import type { RowLookups, Sql } from './sqlLookups';
import type { RunMetric } from './store';

/** Reads of metric series in the SQLite tracking store: history, intervals, ranges, samples. */
export class MetricReadsSql {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Sql,
    private readonly rows: RowLookups,
  ) {}

  async getMetricHistory(
    runId: string,
    key: string,
    maxResults: number,
    pageToken?: string,
  ): Promise<Page<Metric>> {
    const row = this.rows.runRow(runId);
    const offset = decodePageToken(pageToken);
    const rows = this.sql(
      `SELECT ? AS key, p.value, p.is_nan, p.step, p.timestamp FROM metric_points p
         JOIN metric_series s ON s.series_id = p.series_id
         WHERE s.run_pk = ? AND s.key = ? ORDER BY p.step, p.timestamp ${limitClause(maxResults + 1, offset)}`,
    ).all(key, row.run_pk, key) as MetricRow[];
    const page = toPage(rows, offset, maxResults);
    return { ...page, items: page.items.map(toMetric) };
  }

  /**
   * Points of `key` of each run at a sample of steps, as MLflow samples them: at most
   * `maxResults` steps evenly spread over the union of the runs' steps in range, plus each run's
   * first and last step in range; every point at a chosen step, run by run, by step then time.
   */
  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
    maxResults: number,
  ): Promise<RunMetric[]> {
    const low = startStep ?? Number.MIN_SAFE_INTEGER;
    const high = endStep ?? Number.MAX_SAFE_INTEGER;
    const runs = runIds.map((runId) => {
      const row = this.rows.runRow(runId);
      const steps = this.sql(
        `SELECT DISTINCT p.step FROM metric_points p JOIN metric_series s ON s.series_id = p.series_id
           WHERE s.run_pk = ? AND s.key = ? AND p.step BETWEEN ? AND ? ORDER BY p.step`,
      )
        .pluck()
        .all(row.run_pk, key, low, high) as number[];
      return { runId, runPk: row.run_pk, steps };
    });
    const chosen = sampleSteps(
      [...new Set(runs.flatMap((r) => r.steps))].sort((a, b) => a - b),
      maxResults,
    );
    for (const { steps } of runs) {
      if (steps.length > 0) {
        chosen.add(steps[0] as number);
        chosen.add(steps[steps.length - 1] as number);
      }
    }
    const out: RunMetric[] = [];
    for (const { runId, runPk } of runs) {
      const rows = this.sql(
        `SELECT ? AS key, p.value, p.is_nan, p.step, p.timestamp FROM metric_points p
           JOIN metric_series s ON s.series_id = p.series_id
           WHERE s.run_pk = ? AND s.key = ? AND p.step IN (SELECT value FROM json_each(?))
           ORDER BY p.step, p.timestamp`,
      ).all(key, runPk, key, JSON.stringify([...chosen])) as MetricRow[];
      for (const metricRow of rows) out.push({ ...toMetric(metricRow), runId });
    }
    return out;
  }

  async metricRanges(runId: string): Promise<MetricRange[]> {
    return this.sql(
      `SELECT s.key, s.points, min(b.min_value) AS min, max(b.max_value) AS max
       FROM metric_series s JOIN metric_blocks b ON b.series_id = s.series_id AND b.level = ?
       WHERE s.run_pk = ? GROUP BY s.series_id ORDER BY s.key`,
    ).all(BLOCK_LEVELS - 1, this.rows.runRow(runId).run_pk) as MetricRange[];
  }

  async sampleMetric(runId: string, key: string, budget: number): Promise<SampledSeries> {
    return sampleSeries(this.db, this.rows.runRow(runId).run_pk, runId, key, budget);
  }
}

/** At most `maxResults` of the sorted `steps`, evenly spaced, and always the last one. */
function sampleSteps(steps: number[], maxResults: number): Set<number> {
  if (steps.length <= maxResults) return new Set(steps);
  const interval = steps.length / maxResults;
  const chosen = new Set<number>();
  for (let i = 0; i < maxResults; i++) chosen.add(steps[Math.floor(i * interval)] as number);
  chosen.add(steps[steps.length - 1] as number);
  return chosen;
}
