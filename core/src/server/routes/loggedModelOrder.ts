import type { LoggedModel } from '../../model';
import { invalid } from '../../model/errors';
import {
  attributeOf,
  isModelAttribute,
  metricPoints,
  parseModelEntity,
  type DatasetFilter,
} from './loggedModelFilter';

/** One `order_by` entry of SearchLoggedModels. */
export interface LoggedModelOrder {
  fieldName: string;
  ascending: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

type Key = (model: LoggedModel) => string | number | undefined;

/** The latest point of a metric (by timestamp, then step), as MLflow orders logged models by. */
function latestMetric(key: string, datasets: DatasetFilter[]): Key {
  return (model) => {
    const points = metricPoints(model, key, datasets);
    if (points.length === 0) return undefined;
    const latest = points.reduce((a, b) =>
      b.timestamp > a.timestamp || (b.timestamp === a.timestamp && b.step > a.step) ? b : a,
    );
    return Number.isNaN(latest.value) ? undefined : latest.value;
  };
}

function keyOf(order: LoggedModelOrder): Key {
  const entity = parseModelEntity(order.fieldName);
  if (entity.type === 'attribute') {
    if (!isModelAttribute(entity.key))
      throw invalid(`Invalid order by field name: ${order.fieldName}`);
    return (model) => attributeOf(model, entity.key);
  }
  if (entity.type !== 'metric') {
    throw invalid(`Invalid order by field name: ${order.fieldName}. Only metrics are supported.`);
  }
  const datasets: DatasetFilter[] = order.datasetName
    ? [
        {
          datasetName: order.datasetName,
          ...(order.datasetDigest ? { datasetDigest: order.datasetDigest } : {}),
        },
      ]
    : [];
  return latestMetric(entity.key, datasets);
}

/** Missing values last whatever the direction; then ascending or descending. */
function compareKeys(
  a: string | number | undefined,
  b: string | number | undefined,
  ascending: boolean,
): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const order = a < b ? -1 : a > b ? 1 : 0;
  return ascending ? order : -order;
}

/**
 * The sort of SearchLoggedModels: the given fields (attributes, or `metrics.<k>` by its latest
 * value), then creation time descending and model id ascending unless already named.
 */
export function loggedModelComparator(
  orderBy: readonly LoggedModelOrder[],
): (a: LoggedModel, b: LoggedModel) => number {
  const named = orderBy.map((o) => parseModelEntity(o.fieldName));
  const has = (key: string): boolean => named.some((e) => e.type === 'attribute' && e.key === key);
  const orders: LoggedModelOrder[] = [
    ...orderBy,
    ...(has('creation_timestamp') ? [] : [{ fieldName: 'creation_timestamp', ascending: false }]),
    ...(has('model_id') ? [] : [{ fieldName: 'model_id', ascending: true }]),
  ];
  const keys = orders.map((o) => ({ key: keyOf(o), ascending: o.ascending }));
  return (a, b) => {
    for (const { key, ascending } of keys) {
      const order = compareKeys(key(a), key(b), ascending);
      if (order !== 0) return order;
    }
    return 0;
  };
}
