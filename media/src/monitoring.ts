/**
 * How monitoring reads on the dashboard of both IDEs: how far a drift score is past its threshold
 * (the heatmap's colour), and which feature the dashboard shows first.
 */
import type { MonitoringCell, MonitoringWindow } from '@sextant/language-server/protocol';

/**
 * How far a drift score is past its threshold: 1 at the threshold, above 1 drifted. A p-value is
 * drifted below its threshold, a distance at or above it; null when the cell was not tested.
 */
export function driftRatio(
  cell: Pick<MonitoringCell, 'score' | 'threshold' | 'scoreKind'>,
): number | null {
  if (cell.score === null || !(cell.threshold > 0)) return null;
  if (cell.scoreKind === 'p-value') {
    return cell.score <= 0 ? Number.POSITIVE_INFINITY : cell.threshold / cell.score;
  }
  return cell.score / cell.threshold;
}

/**
 * The feature a dashboard shows first: the most drifted one of the newest window (drifted first,
 * then the one furthest past its threshold), else the first feature.
 */
export function featureToShow(windows: readonly MonitoringWindow[]): string | undefined {
  const newest = windows[windows.length - 1];
  if (!newest) return undefined;
  const rank = (cell: MonitoringCell): number => driftRatio(cell) ?? -1;
  const ranked = [...newest.cells].sort(
    (a, b) => Number(b.drifted) - Number(a.drifted) || rank(b) - rank(a),
  );
  return ranked[0]?.feature;
}
