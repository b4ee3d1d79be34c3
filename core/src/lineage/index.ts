export { LineageService, DEFAULT_NAMESPACE, type PipelineRunsReader } from './service';
export { LineageStore, type StoredEdge } from './store';
export { queryLineage, type LineageQuery, type LineageGraph } from './query';
export {
  openLineageEvents,
  asUuid,
  OPENLINEAGE_PRODUCER,
  type OpenLineageRunEvent,
  type OpenLineageDataset,
} from './openlineage';
