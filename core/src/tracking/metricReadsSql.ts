import type Database from 'better-sqlite3';
import type { Metric, MetricRange, Page, SampledSeries } from '../model';
import { BLOCK_LEVELS } from '../store';
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
         WHERE s.run_pk = ? AND s.key = ? ORDER BY p.step, p.timestamp LIMIT ? OFFSET ?`,
    ).all(key, row.run_pk, key, maxResults + 1, offset) as MetricRow[];
    const page = toPage(rows, offset, maxResults);
    return { ...page, items: page.items.map(toMetric) };
  }

  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
    maxResults: number,
  ): Promise<RunMetric[]> {
    const out: RunMetric[] = [];
    for (const runId of runIds) {
      const row = this.rows.runRow(runId);
      const steps = this.sql(
        `SELECT DISTINCT p.step FROM metric_points p JOIN metric_series s ON s.series_id = p.series_id
           WHERE s.run_pk = ? AND s.key = ? AND p.step BETWEEN ? AND ? ORDER BY p.step`,
      )
        .pluck()
        .all(
          row.run_pk,
          key,
          startStep ?? Number.MIN_SAFE_INTEGER,
          endStep ?? Number.MAX_SAFE_INTEGER,
        ) as number[];
      const chosen = new Set<number>();
      if (steps.length <= maxResults) steps.forEach((s) => chosen.add(s));
      else {
        for (let i = 0; i < maxResults; i++) {
          chosen.add(
            steps[Math.round((i * (steps.length - 1)) / Math.max(1, maxResults - 1))] as number,
          );
        }
      }
      const rows = this.sql(
        `SELECT ? AS key, p.value, p.is_nan, p.step, p.timestamp FROM metric_points p
           JOIN metric_series s ON s.series_id = p.series_id
           WHERE s.run_pk = ? AND s.key = ? AND p.step IN (SELECT value FROM json_each(?))
           ORDER BY p.step, p.timestamp`,
      ).all(key, row.run_pk, key, JSON.stringify([...chosen])) as MetricRow[];
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
