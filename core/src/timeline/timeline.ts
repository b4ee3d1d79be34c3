import { alertEventOf } from '../pipelines';
import { invalid } from '../model/errors';
import { EVALUATION_TAGS } from '../model/evaluation';
import type { PipelineRun } from '../model/pipeline';
import type { Timeline, TimelineItem, TimelineQuery } from '../model/timeline';
import type { Run } from '../model/tracking';
import type { DeploymentEvent } from '../serving';
import {
  alertItem,
  decisionItem,
  deploymentItem,
  evaluationItem,
  pipelineId,
  pipelineItem,
  pipelineOfRun,
  registryItem,
  trackingRunsOf,
  versionId,
} from './items';
import type { TimelineSources } from './sources';

/** Items kept when the query says nothing. */
const DEFAULT_LIMIT = 500;
/** Pipeline runs, alert events and deployment events read per source. */
const READ_LIMIT = 5000;
/** How far apart two records of one step (an alias moved by a promotion) may lie, in ms. */
const SAME_STEP_MS = 60_000;

function checkQuery(query: TimelineQuery): void {
  for (const key of ['deployment', 'model'] as const) {
    const value = query[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw invalid(`'${key}' must be a non-empty name`);
    }
  }
  for (const key of ['since', 'until', 'limit'] as const) {
    const value = query[key];
    if (
      value !== undefined &&
      (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    ) {
      throw invalid(`'${key}' must be a number of at least 0, not ${JSON.stringify(value)}`);
    }
  }
  if (query.since !== undefined && query.until !== undefined && query.since > query.until) {
    throw invalid(`'since' (${query.since}) is after 'until' (${query.until})`);
  }
}

/** The deployments and models a query covers, with each deployment's recorded changes. */
function scopeOf(
  sources: TimelineSources,
  query: TimelineQuery,
): { deployments: Map<string, DeploymentEvent[]>; models: Set<string> } {
  const names = query.deployment
    ? [query.deployment]
    : sources.deployments.list().map((d) => d.name);
  const deployments = new Map<string, DeploymentEvent[]>();
  const models = new Set<string>(query.model ? [query.model] : []);
  for (const name of names) {
    const events = sources.deployments.events(name, READ_LIMIT);
    const served = new Set(events.flatMap((e) => e.state.variants.map((v) => v.model)));
    if (query.model && !served.has(query.model) && !query.deployment) continue;
    deployments.set(name, events);
    if (!query.model) for (const m of served) models.add(m);
  }
  return { deployments, models };
}

/** The closest item before or at `time` (within `window` ms when given) that `match` accepts. */
function latestBefore(
  items: readonly TimelineItem[],
  time: number,
  match: (item: TimelineItem) => boolean,
  window = Infinity,
): TimelineItem | undefined {
  let best: TimelineItem | undefined;
  for (const item of items) {
    if (item.time <= time && time - item.time <= window && match(item)) {
      if (!best || item.time >= best.time) best = item;
    }
  }
  return best;
}

/** The closest item within `window` ms of `time`, before or after, that `match` accepts. */
function nearest(
  items: readonly TimelineItem[],
  time: number,
  window: number,
  match: (item: TimelineItem) => boolean,
): TimelineItem | undefined {
  let best: TimelineItem | undefined;
  for (const item of items) {
    const gap = Math.abs(item.time - time);
    if (gap <= window && match(item) && (!best || gap < Math.abs(best.time - time))) best = item;
  }
  return best;
}

/** The finished and failed evaluation runs that carry Sextant's evaluation tag. */
async function evaluationRuns(sources: TimelineSources): Promise<Run[]> {
  const experimentIds = await sources.tracking.experimentsWithRunTag(
    EVALUATION_TAGS.evaluation,
    'true',
  );
  if (experimentIds.length === 0) return [];
  const runs: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await sources.tracking.searchRuns({
      experimentIds,
      filter: `tags.\`${EVALUATION_TAGS.evaluation}\` = 'true'`,
      maxResults: 1000,
      ...(pageToken ? { pageToken } : {}),
    });
    runs.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && runs.length < READ_LIMIT);
  return runs;
}

/**
 * The timeline of the continuous-training loop: monitoring alerts, the pipeline runs they
 * triggered (and those that registered a version), evaluations, registrations and alias moves,
 * deployment changes (deploy, traffic, promote, roll back) and online-experiment decisions, oldest
 * first. Each item names the item that caused it where the records say so: a pipeline run its
 * alert, an evaluation or registration its pipeline run, a canary the registration of the version
 * it serves, a decision the traffic change it judged, a promotion or rollback its decision, an
 * alias move the promotion that made it.
 *
 * @throws SextantError INVALID_PARAMETER_VALUE for a malformed query
 */
export async function loopTimeline(
  sources: TimelineSources,
  query: TimelineQuery = {},
): Promise<Timeline> {
  checkQuery(query);
  const { deployments, models } = scopeOf(sources, query);
  const items: TimelineItem[] = [];

  const alerts = sources.monitoring
    .alerts({ limit: READ_LIMIT })
    .filter((a) => deployments.has(a.deployment));
  const alertIds = new Set(alerts.map((a) => a.id));
  items.push(...alerts.map(alertItem));

  const versions = new Map<string, { model: string; version: string; runId: string }>();
  const registry: TimelineItem[] = [];
  /** The alias each alias item set, moved or removed, by item id. */
  const aliasOf = new Map<string, string>();
  for (const model of models) {
    let history;
    try {
      history = await sources.registry.history(model);
    } catch {
      continue;
    }
    for (const event of history) {
      const item = registryItem(event);
      if (!item) continue;
      registry.push(item);
      if (item.kind === 'alias' && event.details['alias']) {
        aliasOf.set(item.id, event.details['alias']);
      }
      if (item.kind === 'registration' && item.version) {
        const version = await sources.registry.getVersion(model, item.version).catch(() => null);
        if (version?.runId) {
          versions.set(item.id, { model, version: item.version, runId: version.runId });
        }
      }
    }
  }

  const sourceRuns = new Set([...versions.values()].map((v) => v.runId));
  const pipelineByRunId = new Map<string, string>();
  const pipelines: PipelineRun[] = sources.pipelines
    .listRuns({ limit: READ_LIMIT })
    .filter((run) => {
      const alert = alertEventOf(run.trigger);
      return (
        (alert !== undefined && alertIds.has(alert)) ||
        trackingRunsOf(run).some((id) => sourceRuns.has(id))
      );
    });
  for (const run of pipelines) {
    for (const id of trackingRunsOf(run)) pipelineByRunId.set(id, run.pipelineRunId);
  }
  items.push(...pipelines.map(pipelineItem));
  const pipelineIds = new Set(pipelines.map((p) => p.pipelineRunId));

  const evaluations: TimelineItem[] = [];
  for (const run of await evaluationRuns(sources)) {
    const tags = new Map(run.data.tags.map((t) => [t.key, t.value]));
    const pipeline = pipelineOfRun(run, pipelineByRunId);
    const ofModel = models.has(tags.get(EVALUATION_TAGS.registeredModel) ?? '');
    const inPipeline = pipeline !== undefined && pipelineIds.has(pipeline);
    if (ofModel || inPipeline) {
      evaluations.push(evaluationItem(run, inPipeline ? pipelineId(pipeline) : undefined));
    }
  }
  items.push(...evaluations);

  for (const item of registry) {
    if (item.kind === 'registration') {
      const source = versions.get(item.id);
      const pipeline = source ? pipelineByRunId.get(source.runId) : undefined;
      if (pipeline) {
        const gate = latestBefore(
          evaluations,
          item.time,
          (e) => e.causedBy === pipelineId(pipeline),
        );
        item.causedBy = gate?.id ?? pipelineId(pipeline);
      }
    }
  }

  const changes: TimelineItem[] = [];
  /** The alias each promotion or rollback moved, by item id. */
  const movedAlias = new Map<string, string>();
  const decisions: TimelineItem[] = [];
  for (const [name, events] of deployments) {
    const known = new Set<string>();
    events.forEach((event, index) => {
      const item = deploymentItem(event, index);
      const served = event.state.variants.map((v) => `${v.model}/${v.version}`);
      const added = served.filter((v) => !known.has(v));
      for (const v of served) known.add(v);
      if (!item) return;
      if (typeof event.details['alias'] === 'string') {
        movedAlias.set(item.id, event.details['alias']);
      }
      if (item.kind === 'deployment' || item.kind === 'traffic') {
        const registered = added
          .map((v) => registry.find((r) => r.id === versionId(...splitVersion(v))))
          .find((r) => r !== undefined);
        if (registered && added.length > 0) item.causedBy = registered.id;
      }
      changes.push(item);
    });
    sources.experimentEvents.list(name, ['decision']).forEach((event, index) => {
      const item = decisionItem(event, index);
      if (!item) return;
      const judged = latestBefore(
        changes,
        item.time,
        (c) => c.deployment === name && (c.kind === 'deployment' || c.kind === 'traffic'),
      );
      if (judged) item.causedBy = judged.id;
      decisions.push(item);
    });
  }
  for (const item of changes) {
    if (item.kind === 'promotion' || item.kind === 'rollback') {
      const action = item.kind === 'promotion' ? 'promote' : 'rollback';
      const decision = nearest(
        decisions,
        item.time,
        SAME_STEP_MS,
        (d) => d.deployment === item.deployment && d.title.includes(`: ${action}`),
      );
      if (decision) item.causedBy = decision.id;
    }
  }
  for (const item of registry) {
    if (item.kind !== 'alias') continue;
    const alias = aliasOf.get(item.id);
    const move = nearest(
      changes,
      item.time,
      SAME_STEP_MS,
      (c) =>
        (c.kind === 'promotion' || c.kind === 'rollback') &&
        alias !== undefined &&
        movedAlias.get(c.id) === alias &&
        c.model === item.model &&
        c.version === item.version,
    );
    const registered = registry.find(
      (r) =>
        r.kind === 'registration' &&
        r.model === item.model &&
        r.version === item.version &&
        item.time - r.time <= SAME_STEP_MS &&
        item.time >= r.time,
    );
    const cause = move ?? registered;
    if (cause) item.causedBy = cause.id;
  }
  items.push(...registry, ...changes, ...decisions);

  const inRange = items
    .filter(
      (i) =>
        (query.since === undefined || i.time >= query.since) &&
        (query.until === undefined || i.time <= query.until),
    )
    .sort((a, b) => a.time - b.time || ORDER[a.kind] - ORDER[b.kind]);
  causesFirst(inRange);
  const limit = query.limit ?? DEFAULT_LIMIT;
  return {
    items: inRange.slice(Math.max(0, inRange.length - limit)),
    deployments: [...deployments.keys()].sort(),
    models: [...models].sort(),
    truncated: inRange.length > limit,
  };
}

/**
 * Puts an item recorded just before its cause (an alias moved a moment before the promotion that
 * moved it is recorded) right after that cause, so a cause always reads above its effects.
 */
function causesFirst(items: TimelineItem[]): void {
  const moved = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!item.causedBy || moved.has(item.id)) continue;
    const at = items.findIndex((c, j) => j > i && c.id === item.causedBy);
    if (at < 0 || items[at]!.time - item.time > SAME_STEP_MS) continue;
    moved.add(item.id);
    items.splice(i, 1);
    items.splice(at, 0, item);
    i--;
  }
}

const splitVersion = (ref: string): [string, string] => {
  const at = ref.lastIndexOf('/');
  return [ref.slice(0, at), ref.slice(at + 1)];
};

/** The loop's order, for items recorded in the same millisecond. */
const ORDER: Record<TimelineItem['kind'], number> = {
  alert: 0,
  pipeline_run: 1,
  evaluation: 2,
  registration: 3,
  alias: 4,
  deployment: 5,
  traffic: 6,
  decision: 7,
  promotion: 8,
  rollback: 9,
};
