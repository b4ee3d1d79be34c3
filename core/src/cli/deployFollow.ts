import type { DeploymentActor } from '../serving';
import { updateDeployment, type LiveContext } from './deployLive';

/** The actor of the changes a deployment makes by following its aliases. */
const FOLLOWER: DeploymentActor = { user: 'sextant' };

/**
 * Sets the weights a deployment following its aliases serves ({@link followedWeights}) and
 * records a `traffic` event when they change.
 */
async function alignWeights(
  ctx: LiveContext,
  reason: string,
  rolled: readonly string[],
): Promise<void> {
  const { followedWeights } = await import('../serving/index.js');
  const entry = ctx.entry();
  const declared = Object.fromEntries(entry.spec.variants.map((v) => [v.name, v.weight]));
  const before = entry.deployment.traffic.weights();
  const target = followedWeights(entry.state, declared, before, rolled);
  if (Object.entries(target).every(([v, w]) => before[v] === w)) return;
  const after = entry.deployment.traffic.setWeights(target);
  ctx.engine.deployments.record(
    entry.spec.name,
    'traffic',
    { ...FOLLOWER, reason },
    ctx.current(),
    {
      before,
      after,
      followAliases: true,
    },
  );
  ctx.log(
    `${entry.spec.name}: traffic ${Object.entries(after)
      .map(([v, w]) => `${v}=${w}`)
      .join(' ')} (${reason})`,
  );
}

/**
 * Makes a running deployment follow the registry aliases its variants are served through: every
 * `everyMs` it looks at the aliases, and when one names another version (the pipeline registered
 * a new challenger, or a promotion moved the champion) it rolls that variant to it with no failed
 * request (the recorded `update` of `sextant deploy update`; a version that fails to load is
 * tried once). A new challenger (a variant other than the champion, rolled to a version other
 * than the champion's) gets its declared weight back and starts the deployment's experiment
 * afresh; a variant serving the champion's own version takes no traffic. So the canary and the
 * A/B begin by themselves when a challenger is registered.
 */
export async function followAliases(
  ctx: LiveContext,
  everyMs: number,
  onError: (error: unknown) => void,
): Promise<{ stop(): void; tick(): Promise<void> }> {
  const { movedAliases } = await import('../serving/index.js');
  const { restartExperiment } = await import('../onlineExperiments/index.js');
  await alignWeights(ctx, "a variant serving the champion's version takes no traffic", []);
  let busy = false;
  const failed = new Set<string>();
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const entry = ctx.entry();
      const moved = (await movedAliases(ctx.engine.registry, entry.state)).filter(
        (m) => !failed.has(`${m.variant}@${m.to}`),
      );
      if (moved.length === 0) return;
      const reason = moved
        .map((m) => `${m.model}@${m.alias} moved from version ${m.from} to ${m.to}`)
        .join('; ');
      const rolled = [];
      for (const m of moved) {
        const outcome = await updateDeployment(ctx, { ...FOLLOWER, reason }, m.variant);
        for (const v of outcome.variants) {
          if (v.ok && !('unchanged' in v)) rolled.push(v);
          // A version that cannot be served is recorded once (update_failed), not every look.
          else if (!v.ok) failed.add(`${v.variant}@${m.to}`);
        }
      }
      if (rolled.length === 0) return;
      await alignWeights(
        ctx,
        reason,
        rolled.map((r) => r.variant),
      );
      const state = ctx.entry().state;
      const champion = state.variants.find((v) => v.name === (state.champion ?? 'champion'));
      const challengers = rolled
        .map((r) => state.variants.find((v) => v.name === r.variant))
        .filter((v) => v && v.name !== champion?.name && v.version !== champion?.version);
      const experiment = entry.spec.experiment;
      if (experiment && challengers.length > 0) {
        restartExperiment(
          { events: ctx.engine.experimentEvents },
          entry.spec.name,
          experiment,
          reason,
        );
        ctx.log(`${entry.spec.name}: the experiment starts afresh (${reason})`);
      }
    } catch (error) {
      onError(error);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}
