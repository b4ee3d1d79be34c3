import type { Command } from 'commander';
import os from 'node:os';
import type { Engine } from '../engine';
import { invalid } from '../model/errors';
import type {
  DeploymentActor,
  DeploymentOptions,
  DeploymentSpec,
  DeploymentState,
  RolloutResult,
  RunningDeployment,
} from '../serving';
import { withEngine } from './store';

/** A deployment `sextant deploy up` serves: its spec, what runs it, and its state as recorded. */
export interface LiveDeployment {
  spec: DeploymentSpec;
  deployment: RunningDeployment;
  state: DeploymentState;
}

/** What the live changes of one deployment need from `sextant deploy up`. */
export interface LiveContext {
  engine: Engine;
  /** The deployment (read when a change comes, once it is served). */
  entry: () => LiveDeployment;
  /** The state with the weights served now. */
  current: () => DeploymentState;
  /** The file declaring the deployments (re-read by an update) and the workers' Python. */
  file: string;
  python?: string;
  log: (line: string) => void;
}

/** A deployment's recorded state with the weights it serves now. */
export const stateNow = (entry: LiveDeployment): DeploymentState => ({
  ...entry.state,
  variants: entry.state.variants.map((v) => ({
    ...v,
    weight: entry.deployment.traffic.weights()[v.name] ?? v.weight,
  })),
});

/** What an update did: each variant's outcome, and the spec's changes it cannot apply live. */
export interface UpdateOutcome {
  deployment: string;
  variants: VariantUpdate[];
  /** Fields of the spec that changed but apply only at the next `sextant deploy up`. */
  notApplied: string[];
}

/** The fields of a spec that an update does not apply to a running deployment. */
function changedFields(running: DeploymentSpec, declared: DeploymentSpec): string[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const fields = (['runtime', 'replicas', 'batching', 'autoscaling', 'host', 'port'] as const)
    .filter((f) => !same(running[f], declared[f]))
    .map(String);
  const shape = (spec: DeploymentSpec): unknown =>
    spec.variants.map((v) => [v.name, v.weight, v.shadow]);
  if (!same(shape(running), shape(declared))) fields.push('routes');
  return fields;
}

/** One variant's outcome in an update. */
export type VariantUpdate =
  RolloutResult | { ok: true; variant: string; unchanged: true; version: string };

const withVariant = (
  state: DeploymentState,
  name: string,
  change: Partial<DeploymentState['variants'][number]>,
): DeploymentState => ({
  ...state,
  variants: state.variants.map((v) => (v.name === name ? { ...v, ...change } : v)),
});

/** The actor of an admin call: the user and reason its caller sent, else `fallback`. */
function callerOf(body: Record<string, unknown>, fallback: string): DeploymentActor {
  const user = typeof body.user === 'string' && body.user ? body.user : fallback;
  return {
    user,
    ...(typeof body.reason === 'string' && body.reason ? { reason: body.reason } : {}),
  };
}

/**
 * The serving options that make a deployment change while it serves: its autoscaler (when
 * replicas.max > replicas.min), each scale recorded as a `scale` event by `autoscaler` with the
 * concurrency observed and the windows; and the admin actions `scale` (replicas set by hand, or
 * handed back to the autoscaler) and `update` (a rolling update to what the spec and the
 * registry's aliases name now), each recorded.
 */
export function liveOptions(
  ctx: LiveContext,
): Pick<DeploymentOptions, 'autoscaling' | 'onScale' | 'adminActions'> {
  return {
    onScale: (variant, evidence) => {
      const entry = ctx.entry();
      entry.state = withVariant(entry.state, variant, { replicas: evidence.to });
      ctx.engine.deployments.record(
        entry.spec.name,
        'scale',
        {
          user: 'autoscaler',
          reason: `${evidence.mode}: ${evidence.mode === 'panic' ? evidence.panicConcurrency : evidence.stableConcurrency} requests in flight on average, target ${evidence.targetConcurrency} per replica`,
        },
        ctx.current(),
        { variant, ...evidence },
      );
      ctx.log(
        `${entry.spec.name}: ${variant} scaled from ${evidence.from} to ${evidence.to} (${evidence.mode})`,
      );
    },
    adminActions: {
      scale: async (body) => {
        const entry = ctx.entry();
        const replicas = body.replicas;
        if (replicas !== 'auto' && !(Number.isInteger(replicas) && (replicas as number) >= 1)) {
          throw invalid('send {"replicas": <a whole number >= 1> or "auto", "variant"?: "<name>"}');
        }
        const variant = typeof body.variant === 'string' ? body.variant : undefined;
        const before = entry.deployment.replicas();
        const after = await entry.deployment.scale(replicas as number | 'auto', variant);
        for (const [name, r] of Object.entries(after)) {
          entry.state = withVariant(entry.state, name, { replicas: r.target });
        }
        ctx.engine.deployments.record(
          entry.spec.name,
          'scale',
          callerOf(body, os.userInfo().username),
          ctx.current(),
          {
            manual: true,
            replicas,
            ...(variant ? { variant } : {}),
            before: Object.fromEntries(Object.entries(before).map(([k, r]) => [k, r.target])),
            after: Object.fromEntries(Object.entries(after).map(([k, r]) => [k, r.target])),
          },
        );
        return { deployment: entry.spec.name, replicas: after };
      },
      update: (body) =>
        updateDeployment(
          ctx,
          callerOf(body, os.userInfo().username),
          typeof body.variant === 'string' ? body.variant : undefined,
        ),
    },
  };
}

/** The autoscaling options of a spec: on when replicas.max > replicas.min. */
export function autoscalingOf(spec: DeploymentSpec): Pick<DeploymentOptions, 'autoscaling'> {
  return spec.replicas.max > spec.replicas.min
    ? { autoscaling: { ...spec.replicas, config: spec.autoscaling } }
    : {};
}

/**
 * Re-reads the spec and the registry (an alias may point at another version now) and rolls each
 * variant whose model changed (all, or the one named) with no failed request; records `update`,
 * or `update_failed` with the reason while the previous version keeps serving.
 */
export function updateDeployment(
  ctx: LiveContext,
  who: DeploymentActor,
  only?: string,
): Promise<UpdateOutcome> {
  const name = ctx.entry().spec.name;
  const next = (updates.get(name) ?? Promise.resolve()).then(() => rollOut(ctx, who, only));
  updates.set(
    name,
    next.catch(() => undefined),
  );
  return next;
}

/** The update in progress of each deployment: one at a time, in the order asked. */
const updates = new Map<string, Promise<unknown>>();

async function rollOut(
  ctx: LiveContext,
  who: DeploymentActor,
  only?: string,
): Promise<UpdateOutcome> {
  const { readDeployments, resolveServedModel, servingPython } =
    await import('../serving/index.js');
  const entry = ctx.entry();
  const name = entry.spec.name;
  if (entry.spec.graph) {
    throw invalid(`deployment '${name}' serves an inference graph: restart it to change it`);
  }
  const spec = readDeployments(ctx.file).find((s) => s.name === name);
  if (!spec) throw invalid(`${ctx.file} no longer declares deployment '${name}'`);
  const served = entry.state.variants;
  if (only !== undefined && !served.some((v) => v.name === only)) {
    throw invalid(
      `deployment '${name}' has no variant '${only}'; it has ${served.map((v) => v.name).join(', ')}`,
    );
  }
  const results: VariantUpdate[] = [];
  for (const variant of served) {
    if (only !== undefined && variant.name !== only) continue;
    const declared = spec.variants.find((v) => v.name === variant.name);
    if (!declared) continue;
    let result: RolloutResult;
    try {
      const model = await resolveServedModel(
        declared.model,
        { registry: ctx.engine.registry, artifactRoot: ctx.engine.artifacts.root },
        process.cwd(),
      );
      if (model.name === variant.model && model.version === variant.version) {
        results.push({ ok: true, variant: variant.name, unchanged: true, version: model.version });
        continue;
      }
      const python = await servingPython({
        environment: 'local',
        modelDir: model.dir,
        cwd: process.cwd(),
        environmentsDir: `${ctx.engine.storeDir}/envs`,
        ...(ctx.python ? { python: ctx.python } : {}),
      });
      ctx.log(
        `${name}: rolling ${variant.name} from version ${variant.version} to ${model.version}`,
      );
      result = await entry.deployment.update(variant.name, {
        model: model.name,
        version: model.version,
        modelDir: model.dir,
        python,
      });
    } catch (error) {
      result = {
        ok: false,
        variant: variant.name,
        from: { model: variant.model, version: variant.version },
        to: { model: variant.model, version: '?' },
        reason: (error as Error).message,
      };
    }
    results.push(result);
    if (result.ok) {
      const { failure, ...rest } = entry.state;
      void failure;
      entry.state = withVariant(rest, variant.name, {
        model: result.to.model,
        version: result.to.version,
        uri: declared.model,
      });
      ctx.engine.deployments.record(name, 'update', who, ctx.current(), {
        ...result,
        uri: declared.model,
      });
      ctx.log(`${name}: ${variant.name} now serves version ${result.to.version}`);
    } else {
      const lines = result.reason.split('\n').filter((l) => l.trim() !== '');
      const reason = lines.at(-1)?.trim() ?? result.reason;
      entry.state = {
        ...entry.state,
        failure: {
          reason,
          ...(lines.length > 1 ? { detail: result.reason } : {}),
          time: Date.now(),
          variant: variant.name,
          model: result.to.model,
          version: result.to.version,
        },
      };
      ctx.engine.deployments.record(
        name,
        'update_failed',
        { ...who, reason: who.reason ?? reason },
        ctx.current(),
        {
          ...result,
          uri: declared.model,
        },
      );
      ctx.log(
        `${name}: the update of ${variant.name} failed; version ${variant.version} keeps serving: ${reason}`,
      );
    }
  }
  return { deployment: name, variants: results, notApplied: changedFields(entry.spec, spec) };
}

/** Registers `sextant deploy scale` and `sextant deploy update`. */
export function registerLiveDeployCommands(
  deploy: Command,
  common: (command: Command) => Command,
  out: NodeJS.WritableStream,
): void {
  common(deploy.command('scale <name>'))
    .description("set a running deployment's replicas by hand (--replicas N), or back to --auto")
    .option('--replicas <n>', 'the number of replicas of each variant (or of --variant)')
    .option('--auto', 'hand the replicas back to the autoscaler')
    .option('--variant <name>', 'only this variant')
    .action(
      async (
        name: string,
        opts: {
          store: string;
          reason?: string;
          replicas?: string;
          auto?: boolean;
          variant?: string;
        },
      ) =>
        withEngine(opts.store, async (engine) => {
          if ((opts.replicas === undefined) === !opts.auto) {
            throw invalid('give --replicas N or --auto');
          }
          const replicas = opts.auto ? 'auto' : Number(opts.replicas);
          if (replicas !== 'auto' && !(Number.isInteger(replicas) && replicas >= 1)) {
            throw invalid(`--replicas takes a whole number >= 1, not '${opts.replicas}'`);
          }
          const record = engine.deployments.get(name);
          const { adminPost, isServing } = await import('../serving/index.js');
          if (!isServing(record.state)) throw invalid(`deployment '${name}' is not running`);
          const answer = (await adminPost(record.name, record.state, 'scale', {
            replicas,
            ...(opts.variant ? { variant: opts.variant } : {}),
            user: os.userInfo().username,
            ...(opts.reason ? { reason: opts.reason } : {}),
          })) as { replicas: Record<string, { target: number; autoscaled: boolean }> };
          for (const [variant, r] of Object.entries(answer.replicas)) {
            out.write(
              `${name}: ${variant} ${r.target} replica(s)${r.autoscaled ? ' (autoscaled)' : ''}\n`,
            );
          }
        }),
    );

  common(deploy.command('update <name>'))
    .description(
      'roll a running deployment to what its spec and aliases name now, with no failed request',
    )
    .option('--variant <name>', 'only this variant')
    .action(async (name: string, opts: { store: string; reason?: string; variant?: string }) =>
      withEngine(opts.store, async (engine) => {
        const record = engine.deployments.get(name);
        const { adminPost, isServing } = await import('../serving/index.js');
        if (!isServing(record.state)) throw invalid(`deployment '${name}' is not running`);
        const answer = (await adminPost(record.name, record.state, 'update', {
          ...(opts.variant ? { variant: opts.variant } : {}),
          user: os.userInfo().username,
          ...(opts.reason ? { reason: opts.reason } : {}),
        })) as UpdateOutcome;
        let failed = false;
        for (const v of answer.variants) {
          if ('unchanged' in v)
            out.write(`${name}: ${v.variant} unchanged (version ${v.version})\n`);
          else if (v.ok) {
            out.write(
              `${name}: ${v.variant} rolled from version ${v.from.version} to ${v.to.version} (ready in ${v.readyMs} ms, old replicas drained in ${v.drainMs} ms)\n`,
            );
          } else {
            failed = true;
            const lines = v.reason.split('\n').filter((l) => l.trim() !== '');
            out.write(
              `${name}: ${v.variant} not updated, version ${v.from.version} keeps serving: ${lines.at(-1)?.trim() ?? v.reason}\n`,
            );
            if (lines.length > 1) out.write(`${lines.map((l) => `  ${l}`).join('\n')}\n`);
          }
        }
        if (answer.notApplied.length > 0) {
          out.write(
            `${name}: ${answer.notApplied.join(', ')} changed in the spec; these apply at the next sextant deploy up\n`,
          );
        }
        if (failed) process.exitCode = 1;
      }),
    );
}
