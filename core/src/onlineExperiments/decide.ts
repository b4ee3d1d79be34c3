import { invalid } from '../model/errors';
import type { Decision, SequentialResult } from '../online';
import {
  promoteVariant,
  weightsOf,
  withWeights,
  type DeploymentActor,
  type ExperimentSpec,
} from '../serving';
import type { ExperimentHost } from './host';
import { experimentReport, type ExperimentReport } from './report';

/** The system actor of automatic decisions and bandit moves. */
export const SEXTANT_ACTOR = 'sextant';

/**
 * When the deployment's current experiment began: its last deploy, or a later restart (an
 * experiment `start` event of `restartExperiment`: a new challenger rolled in while the
 * deployment runs).
 */
export function experimentStart(host: ExperimentHost, name: string): number {
  const deployed = host.deployments.lastOf(name, ['deploy'])?.time ?? 0;
  return Math.max(deployed, restartedAt(host, name) ?? 0);
}

/** When the experiment was last restarted while its deployment runs, if it was. */
function restartedAt(host: ExperimentHost, name: string): number | undefined {
  const deployed = host.deployments.lastOf(name, ['deploy'])?.time ?? 0;
  return host.events
    .list(name, ['start'], deployed)
    .filter((e) => e.details.restarted === true)
    .at(-1)?.time;
}

/**
 * Whether the deployment's current experiment has ended: a promotion or rollback (by hand, or
 * an experiment's rollback) since it began ({@link experimentStart}).
 */
export function concluded(host: ExperimentHost, name: string): boolean {
  const deployed = experimentStart(host, name);
  const moved = host.deployments.lastOf(name, ['promote', 'rollback']);
  if (moved && moved.time >= deployed) return true;
  const last = host.events.last(name, ['decision']);
  const d = last?.details as { applied?: boolean; action?: string } | undefined;
  return !!last && last.time >= deployed && d?.applied === true && d.action === 'rollback';
}

/** The variants a decision stopped since the experiment began. */
export function stoppedVariants(host: ExperimentHost, name: string): string[] {
  const deployed = experimentStart(host, name);
  return host.events
    .list(name, ['decision'], deployed)
    .map((e) => e.details as { applied?: boolean; action?: string; variant?: string })
    .filter((d) => d.applied && d.action === 'stop' && d.variant)
    .map((d) => d.variant!);
}

/** The always-valid tests of the last look since the experiment began. */
function previousLook(host: ExperimentHost, name: string): Record<string, SequentialResult> {
  const deployed = experimentStart(host, name);
  const last = host.events.last(name, ['decision']);
  if (!last || last.time < deployed) return {};
  return ((last.details as { sequential?: Record<string, SequentialResult> }).sequential ??
    {}) as Record<string, SequentialResult>;
}

/**
 * Applies an action with its evidence: promote (serving's promotion: alias and traffic in one
 * recorded step), stop a variant (its traffic to 0) or roll back (all traffic to the control),
 * each a deployment event carrying the evidence.
 */
async function applyAction(
  host: ExperimentHost,
  name: string,
  act: 'promote' | 'stop' | 'rollback',
  variant: string,
  control: string,
  who: DeploymentActor,
  evidence: Record<string, unknown>,
): Promise<void> {
  if (act === 'promote') {
    await promoteVariant(host, name, { variant, actor: who, details: { experiment: evidence } });
    return;
  }
  const state = host.deployments.get(name).state;
  const before = weightsOf(state);
  if (act === 'stop' && variant === control) {
    throw invalid(`'${variant}' is the control: roll back instead of stopping it`);
  }
  if (act === 'stop' && before[variant] === undefined) {
    throw invalid(`deployment '${name}' has no variant '${variant}' taking traffic`);
  }
  const target =
    act === 'stop'
      ? { ...before, [variant]: 0 }
      : Object.fromEntries(Object.keys(before).map((v) => [v, v === control ? 100 : 0]));
  const after = (await host.applyWeights(target)) ?? target;
  host.deployments.record(name, 'traffic', who, withWeights(state, after), {
    before,
    after,
    experiment: evidence,
  });
}

/**
 * An action a person takes on an experiment (the report's Promote, Stop and Roll back): applied
 * at once with the statistics of that moment as its evidence, and recorded as a decision.
 * @throws SextantError INVALID_PARAMETER_VALUE for a variant that cannot take the action, or an
 *   experiment that has ended.
 */
export async function actOnExperiment(
  host: ExperimentHost,
  name: string,
  spec: ExperimentSpec,
  options: {
    action: 'promote' | 'stop' | 'rollback';
    variant?: string;
    actor: DeploymentActor;
    now?: number;
  },
): Promise<DecisionOutcome> {
  if (concluded(host, name)) {
    throw invalid(`the experiment of '${name}' has ended (promoted or rolled back)`);
  }
  const now = options.now ?? Date.now();
  const record = host.deployments.get(name);
  const report = experimentReport({
    feedback: host.feedback,
    events: host.events,
    spec,
    state: record.state,
    window: { deployment: name },
    previous: previousLook(host, name),
    now,
  });
  const control = report.variants[0]!.name;
  const variant = options.action === 'rollback' ? control : options.variant;
  if (!variant) throw invalid(`name the variant to ${options.action}`);
  const reason =
    options.actor.reason ??
    `${options.action} ${options.action === 'rollback' ? `to '${control}'` : `'${variant}'`} by ${options.actor.user}`;
  const evidence = {
    action: options.action,
    reason,
    manual: true,
    comparisons: report.comparisons,
    variants: report.variants,
  };
  await applyAction(
    host,
    name,
    options.action,
    variant,
    control,
    { ...options.actor, reason },
    evidence,
  );
  host.events.add({
    deployment: name,
    kind: 'decision',
    time: now,
    details: {
      action: options.action,
      variant,
      reason,
      applied: true,
      manual: true,
      by: options.actor.user,
      sequential: Object.fromEntries(report.comparisons.map((c) => [c.variant, c.sequential])),
      variants: report.variants,
      comparisons: report.comparisons,
    },
  });
  return { decision: { action: options.action, variant, reason }, applied: true, report };
}

/** A decision taken (or only looked at) and what was done. */
export interface DecisionOutcome {
  decision:
    | Decision
    | { action: Decision['action'] | 'wait' | 'concluded'; variant?: string; reason: string };
  /** Whether the decision changed the alias or the traffic. */
  applied: boolean;
  /** Why a decision was not applied (its rule is off, a dry run, the experiment has ended). */
  note?: string;
  report?: ExperimentReport;
}

/**
 * Looks at the experiment once and applies the rules: promote the winner (the same recorded
 * step as `sextant deploy promote`: alias and traffic), stop a variant that harms a guardrail or
 * loses (its traffic to 0), or roll back (all traffic to the control). Every look is an
 * experiment `decision` event with its evidence (the statistics at that moment); a change of
 * traffic is also a deployment event carrying the decision.
 */
export async function decideExperiment(
  host: ExperimentHost,
  name: string,
  spec: ExperimentSpec,
  options: {
    apply: boolean;
    actor?: DeploymentActor;
    /** The window's start (default: the experiment's last restart, else all its requests). */
    since?: number;
    now?: number;
  },
): Promise<DecisionOutcome> {
  if (concluded(host, name)) {
    return {
      decision: {
        action: 'concluded',
        reason: `the experiment of '${name}' has ended (promoted or rolled back); deploy again to start another`,
      },
      applied: false,
    };
  }
  const now = options.now ?? Date.now();
  const since = options.since ?? restartedAt(host, name);
  const record = host.deployments.get(name);
  const report = experimentReport({
    feedback: host.feedback,
    events: host.events,
    spec,
    state: record.state,
    window: { deployment: name, ...(since !== undefined ? { since } : {}) },
    previous: previousLook(host, name),
    now,
  });
  const decision = report.decision;
  const actor = options.actor ?? { user: SEXTANT_ACTOR };
  const rule = {
    promote: spec.decide.promote,
    stop: spec.decide.stop,
    rollback: spec.decide.rollback,
  };
  let applied = false;
  let note: string | undefined;
  const act = decision.action;
  const evidence = {
    action: act,
    reason: decision.reason,
    ...('evidence' in decision ? { evidence: decision.evidence } : {}),
  };
  if (act === 'promote' || act === 'stop' || act === 'rollback') {
    if (!rule[act]) note = `the ${act} rule is off in the experiment`;
    else if (!options.apply) note = 'not applied (dry run)';
    else {
      await applyAction(
        host,
        name,
        act,
        decision.variant!,
        report.variants[0]!.name,
        {
          user: actor.user,
          reason: actor.reason ?? decision.reason,
        },
        evidence,
      );
      applied = true;
    }
  }
  host.events.add({
    deployment: name,
    kind: 'decision',
    time: now,
    details: {
      action: act,
      ...('variant' in decision && decision.variant ? { variant: decision.variant } : {}),
      reason: decision.reason,
      applied,
      ...(note ? { note } : {}),
      by: actor.user,
      sequential: Object.fromEntries(report.comparisons.map((c) => [c.variant, c.sequential])),
      variants: report.variants,
      comparisons: report.comparisons,
      ...('evidence' in decision ? { evidence: decision.evidence } : {}),
    },
  });
  return { decision, applied, ...(note ? { note } : {}), report };
}
