import { EVALUATION_TAGS } from '../model/evaluation';
import { PIPELINE_TAGS, type PipelineRun } from '../model/pipeline';
import type { RegistryEvent } from '../model/registry';
import type { TimelineItem, TimelineItemKind, TimelineItemStatus } from '../model/timeline';
import type { Run } from '../model/tracking';
import type { AlertEvent } from '../monitoring';
import { alertEventOf } from '../pipelines';
import type { ExperimentEvent } from '../onlineExperiments';
import type { DeploymentEvent } from '../serving';

/** The tag that marks a run as a child of another (MLflow's). */
const PARENT_TAG = 'mlflow.parentRunId';

/** Every tracking run id a pipeline run recorded: its parent run and its steps' runs. */
export function trackingRunsOf(run: PipelineRun): string[] {
  return [run.runId, ...run.steps.map((s) => s.runId)].filter(
    (id): id is string => id !== undefined,
  );
}

export const alertId = (id: number): string => `alert:${id}`;
export const pipelineId = (id: string): string => `pipeline:${id}`;
export const versionId = (model: string, version: string): string => `version:${model}/${version}`;

export function alertItem(alert: AlertEvent): TimelineItem {
  const firing = alert.state === 'firing';
  const value = alert.value !== undefined ? `value ${round(alert.value)}, ` : '';
  return {
    id: alertId(alert.id),
    kind: 'alert',
    time: alert.time,
    title: `${alert.rule} ${alert.state} on ${alert.deployment}`,
    detail: `${alert.severity}: ${value}threshold ${round(alert.threshold)} (monitor ${alert.monitor})`,
    status: !firing ? 'success' : alert.severity === 'critical' ? 'failure' : 'warning',
    target: { kind: 'deployment', name: alert.deployment },
    deployment: alert.deployment,
  };
}

const PIPELINE_STATUS: Record<PipelineRun['status'], TimelineItemStatus> = {
  running: 'running',
  done: 'success',
  failed: 'failure',
  cancelled: 'warning',
};

export function pipelineItem(run: PipelineRun): TimelineItem {
  const alert = alertEventOf(run.trigger);
  const failed = run.steps.filter((s) => s.status === 'failed').map((s) => s.step);
  return {
    id: pipelineId(run.pipelineRunId),
    kind: 'pipeline_run',
    time: run.startTime,
    title: `Pipeline ${run.pipeline} ${run.status}`,
    detail: [
      `${run.trigger.kind} trigger${run.trigger.detail ? `: ${run.trigger.detail}` : ''}`,
      `${run.steps.length} step${run.steps.length === 1 ? '' : 's'}`,
      ...(failed.length > 0 ? [`failed: ${failed.join(', ')}`] : []),
    ].join('; '),
    status: PIPELINE_STATUS[run.status] ?? 'info',
    target: {
      kind: 'pipelineRun',
      pipelineRunId: run.pipelineRunId,
      ...(run.runId ? { runId: run.runId } : {}),
    },
    ...(alert !== undefined ? { causedBy: alertId(alert) } : {}),
  };
}

export function evaluationItem(run: Run, causedBy: string | undefined): TimelineItem {
  const tags = new Map(run.data.tags.map((t) => [t.key, t.value]));
  const model = tags.get(EVALUATION_TAGS.registeredModel);
  const version = tags.get(EVALUATION_TAGS.registeredVersion);
  const gate = tags.get(EVALUATION_TAGS.gate);
  const subject =
    model && version ? `${model} version ${version}` : (tags.get(EVALUATION_TAGS.modelUri) ?? '');
  const metrics = run.data.metrics
    .slice(0, 3)
    .map((m) => `${m.key} ${round(m.value)}`)
    .join(', ');
  return {
    id: `evaluation:${run.info.runId}`,
    kind: 'evaluation',
    time: run.info.startTime,
    title: `Evaluated ${subject}${gate ? `: gate ${gate}` : ''}`,
    detail: [tags.get(EVALUATION_TAGS.datasetPath), metrics].filter(Boolean).join('; '),
    status:
      run.info.status === 'FAILED' || gate === 'failed'
        ? 'failure'
        : gate === 'passed'
          ? 'success'
          : 'info',
    target: { kind: 'run', runId: run.info.runId },
    ...(causedBy ? { causedBy } : {}),
    ...(model ? { model } : {}),
    ...(version ? { version } : {}),
  };
}

/** The pipeline run a tracking run belongs to: by its tag, or its parent's. */
export function pipelineOfRun(run: Run, byRunId: ReadonlyMap<string, string>): string | undefined {
  const tags = new Map(run.data.tags.map((t) => [t.key, t.value]));
  const tagged = tags.get(PIPELINE_TAGS.pipelineRunId);
  if (tagged) return tagged;
  const parent = tags.get(PARENT_TAG);
  return byRunId.get(run.info.runId) ?? (parent ? byRunId.get(parent) : undefined);
}

const actorOf = (event: { user: string; reason?: string }): string =>
  `by ${event.user}${event.reason ? `: ${event.reason}` : ''}`;

/** A registry event as an item, or undefined for the kinds a timeline leaves out (tags, renames). */
export function registryItem(event: RegistryEvent): TimelineItem | undefined {
  const d = event.details;
  const base = {
    time: event.time,
    model: event.name,
    detail: actorOf(event),
  };
  if (event.kind === 'version_created' && event.version) {
    return {
      ...base,
      id: versionId(event.name, event.version),
      kind: 'registration',
      version: event.version,
      title: `Registered ${event.name} version ${event.version}`,
      status: 'success',
      target: { kind: 'modelVersion', name: event.name, version: event.version },
    };
  }
  if (
    event.kind === 'alias_set' ||
    event.kind === 'alias_moved' ||
    event.kind === 'alias_deleted'
  ) {
    const version = d['to'] ?? d['version'] ?? event.version;
    const title =
      event.kind === 'alias_deleted'
        ? `${event.name}@${d['alias']} removed`
        : d['from']
          ? `${event.name}@${d['alias']} moved from version ${d['from']} to ${version}`
          : `${event.name}@${d['alias']} set to version ${version}`;
    return {
      ...base,
      id: `registry:${event.id}`,
      kind: 'alias',
      title,
      status: 'info',
      ...(version ? { version } : {}),
      ...(version ? { target: { kind: 'modelVersion' as const, name: event.name, version } } : {}),
    };
  }
  return undefined;
}

const DEPLOYMENT_KINDS: Partial<Record<DeploymentEvent['kind'], TimelineItemKind>> = {
  deploy: 'deployment',
  update: 'deployment',
  stop: 'deployment',
  deploy_failed: 'deployment',
  update_failed: 'deployment',
  traffic: 'traffic',
  promote: 'promotion',
  rollback: 'rollback',
  auto_rollback: 'rollback',
};

const DEPLOYMENT_STATUS: Partial<Record<DeploymentEvent['kind'], TimelineItemStatus>> = {
  deploy_failed: 'failure',
  update_failed: 'failure',
  rollback: 'warning',
  auto_rollback: 'failure',
  promote: 'success',
};

/** Variant weights as `a 90 / b 10`. */
export const weightsText = (event: DeploymentEvent): string =>
  event.state.variants
    .filter((v) => !v.shadow)
    .map((v) => `${v.name} (${v.model} v${v.version}) ${round(v.weight)}`)
    .join(' / ');

/** A deployment change as an item, or undefined for those a timeline leaves out (scaling, crashes). */
export function deploymentItem(event: DeploymentEvent, index: number): TimelineItem | undefined {
  const kind = DEPLOYMENT_KINDS[event.kind];
  if (!kind) return undefined;
  const d = event.details;
  const words: Record<string, string> = {
    deploy: `Deployed ${event.deployment}`,
    update: `Updated ${event.deployment}`,
    stop: `Stopped ${event.deployment}`,
    deploy_failed: `Deploying ${event.deployment} failed`,
    update_failed: `Updating ${event.deployment} failed`,
    traffic: `Traffic of ${event.deployment} changed`,
    promote: `Promoted ${String(d['model'] ?? '')} version ${String(d['to'] ?? '')} on ${event.deployment}`,
    rollback: `Rolled ${event.deployment} back to ${String(d['model'] ?? '')} version ${String(d['to'] ?? '')}`,
    auto_rollback: `${event.deployment} rolled back automatically`,
  };
  return {
    id: `deployment:${event.deployment}:${event.time}:${index}`,
    kind,
    time: event.time,
    title: words[event.kind] ?? `${event.kind} ${event.deployment}`,
    detail: [actorOf(event), weightsText(event)].filter(Boolean).join('; '),
    status: DEPLOYMENT_STATUS[event.kind] ?? 'info',
    target: { kind: 'deployment', name: event.deployment },
    deployment: event.deployment,
    ...(typeof d['model'] === 'string' ? { model: d['model'] } : {}),
    ...(typeof d['to'] === 'string' ? { version: d['to'] } : {}),
  };
}

/** An online experiment's decision as an item (allocations are left out). */
export function decisionItem(event: ExperimentEvent, index: number): TimelineItem | undefined {
  if (event.kind !== 'decision') return undefined;
  const d = event.details;
  const action = String(d['action'] ?? 'decision');
  const variant = typeof d['variant'] === 'string' ? ` ${d['variant']}` : '';
  const applied = d['applied'] === true;
  return {
    id: `decision:${event.deployment}:${event.time}:${index}`,
    kind: 'decision',
    time: event.time,
    title: `Experiment on ${event.deployment}: ${action}${variant}${applied ? '' : ' (not applied)'}`,
    detail: [d['reason'], d['by'] ? `by ${String(d['by'])}` : undefined]
      .filter((x) => typeof x === 'string' && x !== '')
      .join('; '),
    status: action === 'promote' ? 'success' : action === 'continue' ? 'info' : 'warning',
    target: { kind: 'experiment', deployment: event.deployment },
    deployment: event.deployment,
  };
}

/** A figure short enough for a line: at most 4 significant digits. */
export function round(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
