/**
 * The timeline of the continuous-training loop: what the store recorded of alerts, pipeline runs,
 * evaluations, registry changes, deployment changes and online-experiment decisions, as one list
 * of items in time order, each with where it can be opened and what caused it.
 */

/** What an item of the timeline records. */
export type TimelineItemKind =
  | 'alert'
  | 'pipeline_run'
  | 'evaluation'
  | 'registration'
  | 'alias'
  | 'deployment'
  | 'traffic'
  | 'promotion'
  | 'rollback'
  | 'decision';

/** How an item ended or stands: the colour a view gives it. */
export type TimelineItemStatus = 'info' | 'success' | 'warning' | 'failure' | 'running';

/** Where an item opens: a tracking run, a model version, a deployment or its experiment report. */
export type TimelineTarget =
  | { kind: 'run'; runId: string }
  | { kind: 'pipelineRun'; pipelineRunId: string; runId?: string }
  | { kind: 'modelVersion'; name: string; version: string }
  | { kind: 'deployment'; name: string }
  | { kind: 'experiment'; deployment: string };

/** One thing that happened in the loop. */
export interface TimelineItem {
  /** Unique within a timeline and stable across calls: `<kind>:<source id>`. */
  id: string;
  kind: TimelineItemKind;
  /** ms since the epoch. */
  time: number;
  /** One line, e.g. `drift_share firing on fraud`. */
  title: string;
  /** Who did it and why, the values that decided it. */
  detail: string;
  status: TimelineItemStatus;
  /** Where the item opens, when it has a page. */
  target?: TimelineTarget;
  /** The item that caused this one, when the store says so (an alert for its pipeline run). */
  causedBy?: string;
  /** The deployment it concerns, when it concerns one. */
  deployment?: string;
  /** The registered model (and version) it concerns, when it concerns one. */
  model?: string;
  version?: string;
}

/** Which part of the history a timeline holds. */
export interface TimelineQuery {
  /** Only what concerns this deployment (its alerts, its models' versions, its changes). */
  deployment?: string;
  /** Only what concerns this registered model. */
  model?: string;
  /** ms since the epoch, inclusive. */
  since?: number;
  /** ms since the epoch, inclusive. */
  until?: number;
  /** The newest items kept (default 500). */
  limit?: number;
}

/** A timeline: its items oldest first, and the deployments and models it covered. */
export interface Timeline {
  items: TimelineItem[];
  deployments: string[];
  models: string[];
  /** True when older items were left out to keep `limit`. */
  truncated: boolean;
}
