/**
 * The timeline of the continuous-training loop: one query that joins what the store records of
 * monitoring alerts, the pipeline runs they trigger, evaluations, registry changes, deployment
 * changes and online-experiment decisions, each item with where it opens and what caused it.
 */
export { loopTimeline } from './timeline';
export type { TimelineSources } from './sources';
export type {
  Timeline,
  TimelineItem,
  TimelineItemKind,
  TimelineItemStatus,
  TimelineQuery,
  TimelineTarget,
} from '../model/timeline';
