import {
  actOnExperiment,
  concluded,
  decideExperiment,
  experimentReport,
  isServing,
  notFound,
  readDeployments,
  remoteWeights,
  type Engine,
  type ExperimentHost,
  type ExperimentReport,
  type ExperimentSpec,
} from '@sextant/core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { toResponseError } from '../errors';
import { optionalChoice, optionalInteger, optionalString, requiredString } from '../params';
import {
  OnlineDecideRequest,
  OnlineListRequest,
  OnlineReportRequest,
  type OnlineDecision,
  type OnlineDecisionEvidence,
  type OnlineExperimentSummary,
  type OnlineGuardrailVerdict,
  type OnlineReport,
} from '../protocol';
import { handle, type HandlerContext } from './context';

/** A number for the wire: null when it is not finite. */
const finite = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? x : null;

/** The experiment a deployment was started with, else the one the workspace's sextant.yaml declares. */
function specOf(engine: Engine, name: string, folder: string | undefined): ExperimentSpec {
  const started = engine.experimentEvents.last(name, ['start']);
  if (started) return (started.details as { spec: ExperimentSpec }).spec;
  const file = folder ? path.join(folder, 'sextant.yaml') : undefined;
  if (file && fs.existsSync(file)) {
    const spec = readDeployments(file).find((d) => d.name === name)?.experiment;
    if (spec) return spec;
  }
  throw notFound(`deployment '${name}' has no online experiment`);
}

function hostOf(engine: Engine, name: string): ExperimentHost {
  return {
    feedback: engine.feedback,
    events: engine.experimentEvents,
    registry: engine.registry,
    deployments: engine.deployments,
    applyWeights: remoteWeights(name, engine.deployments.get(name).state),
  };
}

/** The statistics a decision event recorded, on the wire. */
function evidenceOf(details: Record<string, unknown>): OnlineDecisionEvidence | undefined {
  const variants = details.variants as ExperimentReport['variants'] | undefined;
  const comparisons = details.comparisons as ExperimentReport['comparisons'] | undefined;
  if (!Array.isArray(variants) || !Array.isArray(comparisons)) return undefined;
  return {
    variants: variants.map((v) => ({ name: v.name, n: v.n, mean: finite(v.mean ?? undefined) })),
    comparisons: comparisons.map((c) => ({
      variant: c.variant,
      effect: c.test.effect,
      pValue: c.test.pValue,
      sequentialPValue: c.sequential.pValue,
    })),
  };
}

/** The guardrail verdicts of a treatment in what the rules say now. */
function guardrailsOf(
  decision: ExperimentReport['decision'],
  variant: string,
): OnlineGuardrailVerdict[] | undefined {
  if (!('evidence' in decision)) return undefined;
  const treatment = decision.evidence.treatments.find((t) => t.variant === variant);
  return treatment?.guardrails.map((g) => ({
    metric: g.metric,
    harmed: g.harmed,
    ...(g.limit !== undefined && Number.isFinite(g.limit) ? { limit: g.limit } : {}),
  }));
}

/** A decision event of the store on the wire. */
function decisionOf(time: number, details: Record<string, unknown>): OnlineDecision {
  const evidence = evidenceOf(details);
  return {
    time,
    action: String(details.action),
    ...(typeof details.variant === 'string' ? { variant: details.variant } : {}),
    reason: String(details.reason ?? ''),
    applied: details.applied === true,
    by: typeof details.by === 'string' ? details.by : 'sextant',
    ...(evidence ? { evidence } : {}),
  };
}

/** The core report on the wire. */
export function wireReport(
  report: ExperimentReport,
  running: boolean,
  ended: boolean,
): OnlineReport {
  const d = report.decision;
  return {
    deployment: report.deployment,
    type: report.type,
    metric: report.metric.name,
    metricKind: report.metric.kind,
    higherIsBetter: report.metric.higherIsBetter,
    alpha: report.alpha,
    running,
    concluded: ended,
    variants: report.variants.map((v) => ({
      name: v.name,
      model: v.model,
      version: v.version,
      weight: v.weight,
      control: v.control,
      requests: v.requests,
      errors: v.errors,
      errorRate: finite(v.errorRate),
      p99Ms: finite(v.p99Ms),
      n: v.n,
      mean: finite(v.mean),
      ciLow: finite(v.ci?.[0]),
      ciHigh: finite(v.ci?.[1]),
      ...(report.plan ? { progress: report.plan.progress[v.name] ?? 0 } : {}),
    })),
    comparisons: report.comparisons.map((c) => {
      const guardrails = guardrailsOf(d, c.variant);
      return {
        variant: c.variant,
        control: c.control,
        test: c.test.test,
        effect: c.test.effect,
        ciLow: c.test.ci[0],
        ciHigh: c.test.ci[1],
        pValue: c.test.pValue,
        sequentialPValue: c.sequential.pValue,
        sequentialCiLow: finite(c.sequential.ci[0]),
        sequentialCiHigh: finite(c.sequential.ci[1]),
        significant: c.sequential.significant,
        ...(guardrails ? { guardrails } : {}),
      };
    }),
    ...(report.plan ? { plannedPerVariant: Math.ceil(report.plan.controlN) } : {}),
    ...(report.plan
      ? {
          plan: {
            controlN: Math.ceil(report.plan.controlN),
            treatmentN: Math.ceil(report.plan.treatmentN),
            effectSize: report.plan.effectSize,
            alpha: report.plan.alpha,
            power: report.plan.power,
          },
        }
      : {}),
    sequential: report.sequentialOverTime.map((p) => ({
      time: p.time,
      variant: p.variant,
      n: p.n,
      effect: p.effect,
      pValue: p.pValue,
    })),
    allocations: report.allocations.map((a) => {
      const details = a.details as {
        weights: Record<string, number>;
        probabilities?: Record<string, number>;
      };
      return {
        time: a.time,
        weights: details.weights,
        ...(details.probabilities ? { probabilities: details.probabilities } : {}),
      };
    }),
    decisions: report.decisions
      .filter((e) => e.details.applied === true)
      .map((e) => decisionOf(e.time, e.details)),
    current: {
      time: report.time,
      action: d.action,
      ...('variant' in d && d.variant ? { variant: d.variant } : {}),
      reason: d.reason,
      applied: false,
      by: 'sextant',
    },
  };
}

/**
 * `sextant/online/*`: the deployments with an online experiment, an experiment's report, and
 * its decisions (the rules, or a person's Promote, Stop and Roll back).
 */
export function registerOnlineHandlers(connection: Connection, context: HandlerContext): void {
  const engine = (): Engine => context.workspace().engine;

  connection.onRequest(OnlineListRequest, async () => {
    try {
      const e = engine();
      const experiments: OnlineExperimentSummary[] = [];
      for (const record of e.deployments.list()) {
        const started = e.experimentEvents.last(record.name, ['start']);
        if (!started) continue;
        const spec = (started.details as { spec: ExperimentSpec }).spec;
        experiments.push({
          deployment: record.name,
          type: spec.type,
          metric: spec.metric.name,
          running: isServing(record.state),
          concluded: concluded(hostOf(e, record.name), record.name),
        });
      }
      return { experiments };
    } catch (error) {
      throw toResponseError(error);
    }
  });

  handle(connection, OnlineReportRequest, async (params) => {
    const e = engine();
    const name = requiredString(params, 'deployment');
    const since = optionalInteger(params, 'since', 0, Number.MAX_SAFE_INTEGER);
    const until = optionalInteger(params, 'until', 0, Number.MAX_SAFE_INTEGER);
    const record = e.deployments.get(name);
    const report = experimentReport({
      feedback: e.feedback,
      events: e.experimentEvents,
      spec: specOf(e, name, context.folder?.()),
      state: record.state,
      window: {
        deployment: name,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      },
    });
    return wireReport(report, isServing(record.state), concluded(hostOf(e, name), name));
  });

  handle(connection, OnlineDecideRequest, async (params) => {
    const e = engine();
    const name = requiredString(params, 'deployment');
    const action =
      optionalChoice(params, 'action', ['rules', 'promote', 'stop', 'rollback'] as const) ??
      'rules';
    const variant = optionalString(params, 'variant');
    const spec = specOf(e, name, context.folder?.());
    const actor = { user: os.userInfo().username };
    const outcome =
      action === 'rules'
        ? await decideExperiment(hostOf(e, name), name, spec, { apply: true, actor })
        : await actOnExperiment(hostOf(e, name), name, spec, {
            action,
            ...(variant ? { variant } : {}),
            actor,
          });
    const d = outcome.decision;
    return {
      time: Date.now(),
      action: d.action,
      ...('variant' in d && d.variant ? { variant: d.variant } : {}),
      reason: d.reason,
      applied: outcome.applied,
      by: actor.user,
    };
  });
}
