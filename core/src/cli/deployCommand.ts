import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../engine';
import { invalid } from '../model/errors';
import type {
  DeploymentActor,
  DeploymentRecord,
  DeploymentSpec,
  DeploymentState,
  RunningDeployment,
} from '../serving';
import { exportDeployment, type ExportOptions } from './deployExport';
import {
  autoscalingOf,
  liveOptions,
  registerLiveDeployCommands,
  stateNow,
  updateDeployment,
} from './deployLive';
import { openStore, withEngine } from './store';

interface DeployOptions {
  store: string;
  file: string;
  python?: string;
  reason?: string;
  /** `sextant deploy up --follow-aliases <every>`: roll variants when their alias moves. */
  followAliases?: string;
}

const actor = (reason: string | undefined): DeploymentActor => ({
  user: os.userInfo().username,
  ...(reason ? { reason } : {}),
});

/** The weights of a state's non-shadow variants. */
const weightsOf = (state: DeploymentState): Record<string, number> =>
  Object.fromEntries(state.variants.filter((v) => !v.shadow).map((v) => [v.name, v.weight]));

const withWeights = (state: DeploymentState, weights: Record<string, number>): DeploymentState => ({
  ...state,
  variants: state.variants.map((v) =>
    weights[v.name] !== undefined ? { ...v, weight: weights[v.name]! } : v,
  ),
});

/** Parses `variant=weight` words. */
function parseWeights(words: readonly string[]): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const word of words) {
    const match = /^([A-Za-z0-9_-]+)=(\d+(?:\.\d+)?)$/.exec(word);
    if (!match) throw invalid(`'${word}' is not variant=weight (e.g. champion=90 challenger=10)`);
    weights[match[1]!] = Number(match[2]);
  }
  if (words.length === 0) throw invalid('give at least one variant=weight');
  return weights;
}

function describeState(record: DeploymentRecord, running: boolean): string {
  const lines = [
    `${record.name}: ${running ? 'running' : record.state.status === 'failed' ? 'failed' : 'stopped'}${running && record.state.url ? ` at ${record.state.url}` : ''}`,
  ];
  for (const v of record.state.variants) {
    lines.push(
      `  ${v.name.padEnd(12)} ${v.model} version ${v.version}  ${v.shadow ? 'shadow' : `weight ${v.weight}`}  (${v.uri}, ${v.replicas} replica(s))`,
    );
  }
  if (record.state.failure) {
    const f = record.state.failure;
    lines.push(
      `  failed at ${new Date(f.time).toISOString()}${f.variant ? ` (${f.variant}${f.version ? ` version ${f.version}` : ''})` : ''}: ${f.reason}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The seconds between two looks at the aliases of `--follow-aliases`, if given. */
async function followInterval(text: string | undefined): Promise<number | undefined> {
  if (text === undefined) return undefined;
  const { parseDuration } = await import('../pipelines/index.js');
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0) {
    throw invalid(`--follow-aliases takes a duration such as 2s or 500ms, not '${text}'`);
  }
  return seconds;
}

/** Serves the deployments of sextant.yaml in the foreground, recording what happens to them. */
async function up(
  names: string[],
  opts: DeployOptions,
  out: NodeJS.WritableStream,
  specs: DeploymentSpec[],
): Promise<void> {
  const { resolveServedModel, serveDeployment, servingPython } =
    await import('../serving/index.js');
  const engine: Engine = openStore(opts.store, true);
  const running: {
    spec: DeploymentSpec;
    deployment: RunningDeployment;
    state: DeploymentState;
    experiment?: { stop(): void };
  }[] = [];
  const who = actor(opts.reason);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('sextant deploy: stopping\n');
    void (async () => {
      for (const r of running) {
        r.experiment?.stop();
        await r.deployment.close();
        engine.deployments.record(r.spec.name, 'stop', who, {
          ...r.state,
          status: 'stopped',
          variants: r.state.variants.map((v) => ({
            ...v,
            weight: r.deployment.traffic.weights()[v.name] ?? v.weight,
          })),
        });
      }
      await engine.close();
    })().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        process.stderr.write(`sextant deploy: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const reread = (): void => {
    for (const r of running) {
      void updateDeployment(
        {
          engine,
          entry: () => r,
          current: () => stateNow(r),
          file: opts.file,
          ...(opts.python ? { python: opts.python } : {}),
          log: (l) => process.stderr.write(`sextant deploy: ${l}\n`),
        },
        actor('SIGHUP: re-read the spec and the aliases'),
      ).catch((error: unknown) => process.stderr.write(`sextant deploy: ${String(error)}\n`));
    }
  };
  process.on('SIGHUP', reread);
  try {
    const followEveryS = await followInterval(opts.followAliases);
    await engine.recovered;
    for (const spec of specs.filter((s) => names.length === 0 || names.includes(s.name))) {
      if (spec.graph) {
        const { upGraph } = await import('./deployGraph.js');
        await upGraph({ ...spec, graph: spec.graph }, engine, opts, out, who, (entry) =>
          running.push(entry),
        );
        continue;
      }
      const variants = [];
      for (const v of spec.variants) {
        const model = await resolveServedModel(
          v.model,
          { registry: engine.registry, artifactRoot: engine.artifacts.root },
          process.cwd(),
        );
        const external = spec.runtime === 'proxy' || spec.compute === 'ray';
        const python = external
          ? ''
          : await servingPython({
              environment: 'local',
              modelDir: model.dir,
              cwd: process.cwd(),
              environmentsDir: `${engine.storeDir}/envs`,
              ...(opts.python ? { python: opts.python } : {}),
            });
        variants.push({ spec: v, model, python });
      }
      const current = (): DeploymentState => ({
        ...entry.state,
        variants: entry.state.variants.map((v) => ({
          ...v,
          weight: entry.deployment.traffic.weights()[v.name] ?? v.weight,
        })),
      });
      const entry = {
        spec,
        state: undefined as unknown as DeploymentState,
        deployment: undefined as unknown as RunningDeployment,
        experiment: undefined as { stop(): void } | undefined,
      };
      entry.deployment = await serveDeployment({
        name: spec.name,
        variants: variants.map(({ spec: v, model, python }) => ({
          name: v.name,
          model: model.name,
          version: model.version,
          modelDir: model.dir,
          python,
          weight: v.weight,
          shadow: v.shadow,
          replicas: spec.replicas.min,
          runtime: spec.runtime,
          ...(v.upstream
            ? { upstream: { url: v.upstream.url, model: v.upstream.model ?? model.name } }
            : {}),
          ...(spec.ray
            ? {
                ray: {
                  ...spec.ray,
                  python: spec.ray.python ?? opts.python ?? 'python3',
                  maxReplicas: spec.replicas.max,
                },
              }
            : {}),
          ...(spec.processing
            ? { processing: spec.processing, workspace: path.dirname(path.resolve(opts.file)) }
            : {}),
        })),
        host: spec.host,
        port: spec.port,
        maxBatchSize: spec.batching.maxBatchSize,
        maxBatchDelayMs: spec.batching.maxDelayMs,
        log: engine.inferenceLog,
        feedback: engine.feedback,
        sampleRate: spec.sampleRate,
        ...(spec.stickyHeader ? { stickyHeader: spec.stickyHeader } : {}),
        ...(spec.rollback ? { guard: { ...spec.rollback, champion: spec.champion } } : {}),
        ...(process.env.SEXTANT_TOKEN ? { adminToken: process.env.SEXTANT_TOKEN } : {}),
        ...autoscalingOf(spec),
        ...liveOptions({
          engine,
          entry: () => entry,
          current,
          file: opts.file,
          ...(opts.python ? { python: opts.python } : {}),
          log: (line) => process.stderr.write(`sextant deploy: ${line}\n`),
        }),
        onAutoRollback: (evidence) => {
          engine.deployments.record(
            spec.name,
            'auto_rollback',
            {
              user: 'sextant',
              reason: `variant '${evidence.variant}' passed its limits (error rate ${evidence.errorRate.toFixed(3)}, p99 ${evidence.p99Ms.toFixed(1)} ms over ${evidence.requests} requests)`,
            },
            current(),
            { ...evidence },
          );
          process.stderr.write(
            `sextant deploy: ${spec.name}: traffic returned to '${evidence.champion}' (variant '${evidence.variant}': error rate ${evidence.errorRate.toFixed(3)}, p99 ${evidence.p99Ms.toFixed(1)} ms)\n`,
          );
        },
        onEvent: (variant, event) => {
          if (event.kind !== 'died' && event.kind !== 'timed_out') return;
          engine.deployments.record(
            spec.name,
            'replica_crash',
            { user: 'sextant', reason: event.message ?? event.kind },
            current(),
            { variant, replica: event.replica, pid: event.pid, kind: event.kind },
          );
        },
      });
      entry.state = {
        status: 'running',
        url: entry.deployment.url,
        pid: process.pid,
        champion: spec.champion,
        variants: variants.map(({ spec: v, model }) => ({
          name: v.name,
          model: model.name,
          version: model.version,
          uri: v.model,
          weight: v.weight,
          shadow: v.shadow,
          replicas: spec.replicas.min,
        })),
      };
      running.push(entry);
      out.write(
        `Deploying ${spec.name} at ${entry.deployment.url}: ${variants.map(({ spec: v, model }) => `${v.name}=${model.name}/${model.version}${v.shadow ? ' (shadow)' : ` (${v.weight})`}`).join(', ')}\n`,
      );
      try {
        await entry.deployment.ready;
      } catch (error) {
        engine.deployments.record(
          spec.name,
          'deploy_failed',
          { ...who, reason: (error as Error).message },
          {
            ...entry.state,
            status: 'failed',
            failure: { reason: (error as Error).message, time: Date.now() },
          },
        );
        throw error;
      }
      engine.deployments.record(spec.name, 'deploy', who, entry.state, {
        replicas: spec.replicas,
        file: path.resolve(opts.file),
      });
      if (spec.experiment) {
        const { startExperiment } = await import('../onlineExperiments/index.js');
        entry.experiment = startExperiment(
          {
            feedback: engine.feedback,
            events: engine.experimentEvents,
            registry: engine.registry,
            deployments: engine.deployments,
            applyWeights: async (weights) => entry.deployment.traffic.setWeights(weights),
          },
          spec.name,
          spec.experiment,
          (error) =>
            process.stderr.write(`sextant deploy: ${spec.name}: experiment: ${String(error)}\n`),
        );
      }
      if (followEveryS !== undefined) {
        const { followAliases } = await import('./deployFollow.js');
        const follower = await followAliases(
          {
            engine,
            entry: () => entry,
            current,
            file: opts.file,
            ...(opts.python ? { python: opts.python } : {}),
            log: (line) => process.stderr.write(`sextant deploy: ${line}\n`),
          },
          followEveryS * 1000,
          (error) =>
            process.stderr.write(
              `sextant deploy: ${spec.name}: follow aliases: ${String(error)}\n`,
            ),
        );
        process.once('SIGINT', follower.stop);
        process.once('SIGTERM', follower.stop);
      }
      out.write(`Ready: ${spec.name} at ${entry.deployment.url}\n`);
    }
    if (running.length > 0) {
      const { startMonitors } = await import('./deployMonitors.js');
      const monitors = await startMonitors(engine, opts.file, running, out);
      process.once('SIGINT', monitors.stop);
      process.once('SIGTERM', monitors.stop);
    }
    if (running.length === 0) {
      throw invalid(
        names.length > 0
          ? `${opts.file} declares no deployment named ${names.join(', ')}; it has ${specs.map((s) => s.name).join(', ') || 'none'}`
          : `${opts.file} declares no deployments`,
      );
    }
  } catch (error) {
    if (stopping) return;
    for (const r of running) await r.deployment.close();
    await engine.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', reread);
    throw error;
  }
}

/** Registers `sextant deploy`. */
export function registerDeployCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const deploy = program
    .command('deploy')
    .description('serve, inspect and change the deployments declared in sextant.yaml');
  const common = (command: Command): Command =>
    command
      .option(...storeOption)
      .option('-f, --file <path>', 'the file declaring deployments', 'sextant.yaml')
      .option('--reason <text>', 'why (kept in the deployment history)');

  common(deploy.command('up [names...]'))
    .description('serve the deployments (all, or those named) in the foreground; Ctrl-C stops')
    .option('--python <path>', 'the Python interpreter of the workers')
    .option(
      '--follow-aliases <every>',
      'look at the registry aliases every <every> (e.g. 2s) and roll a variant when its alias moves',
    )
    .action(async (names: string[], opts: DeployOptions) => {
      const { readDeployments } = await import('../serving/index.js');
      await up(names, opts, out, readDeployments(opts.file));
    });

  common(deploy.command('export <name>'))
    .description('write a deployment as a KServe InferenceService manifest')
    .option('--kserve', 'a KServe InferenceService (serving.kserve.io/v1beta1)')
    .option('-o, --output <file>', 'write it to a file (default: stdout)')
    .option('--variant <name>', 'export one variant alone, at 100% of the traffic')
    .option(
      '--storage-uri-prefix <uri>',
      'where KServe finds the artifact store, e.g. s3://bucket/artifacts',
    )
    .action(async (name: string, opts: ExportOptions) => exportDeployment(name, opts, out));

  common(deploy.command('down <name>'))
    .description('stop a running deployment')
    .action(async (name: string, opts: DeployOptions) =>
      withEngine(opts.store, async (engine) => {
        const record = engine.deployments.get(name);
        const { isServing } = await import('../serving/index.js');
        if (isServing(record.state)) {
          process.kill(record.state.pid!, 'SIGTERM');
          for (let i = 0; i < 200 && isServing(record.state); i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
          out.write(`Stopped ${name}\n`);
        } else if (record.state.status === 'running') {
          engine.deployments.record(name, 'stop', actor(opts.reason ?? 'its process had ended'), {
            ...record.state,
            status: 'stopped',
          });
          out.write(`${name} was not running (its process had ended); recorded as stopped\n`);
        } else {
          out.write(`${name} is not running\n`);
        }
      }),
    );

  deploy
    .command('set <name>')
    .description('declare a deployment in sextant.yaml, or change its model, runtime or replicas')
    .requiredOption('-m, --model <uri>', 'models:/<name>@<alias> or models:/<name>/<version>')
    .option('--runtime <runtime>', 'python or onnx')
    .option('--replicas <n>', 'worker processes per variant')
    .option('-f, --file <path>', 'the file declaring deployments', 'sextant.yaml')
    .action(
      async (
        name: string,
        opts: { model: string; runtime?: string; replicas?: string; file: string },
      ) => {
        const { writeDeploymentDraft } = await import('../serving/index.js');
        const replicas = opts.replicas === undefined ? undefined : Number(opts.replicas);
        if (replicas !== undefined && !Number.isInteger(replicas)) {
          throw invalid(`--replicas takes a whole number, not '${opts.replicas}'`);
        }
        if (opts.runtime !== undefined && opts.runtime !== 'python' && opts.runtime !== 'onnx') {
          throw invalid(`--runtime takes python or onnx, not '${opts.runtime}'`);
        }
        const spec = writeDeploymentDraft(opts.file, {
          name,
          model: opts.model,
          ...(opts.runtime !== undefined ? { runtime: opts.runtime } : {}),
          ...(replicas !== undefined ? { replicas } : {}),
        });
        out.write(
          `Declared ${name} in ${opts.file}: ${spec.model} (${spec.runtime}, ${spec.replicas.min} replica(s))\n`,
        );
      },
    );

  common(deploy.command('list'))
    .description('the recorded deployments')
    .option('--json', 'print JSON lines: each record with whether it runs now')
    .action(async (opts: DeployOptions & { json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const records = engine.deployments.list();
        const { isServing } = await import('../serving/index.js');
        const isRunning = (r: DeploymentRecord): boolean => isServing(r.state);
        if (opts.json) {
          for (const r of records)
            out.write(`${JSON.stringify({ ...r, running: isRunning(r) })}\n`);
          return;
        }
        if (records.length === 0) out.write('No deployments recorded\n');
        for (const r of records) {
          out.write(
            `${r.name.padEnd(24)} ${(isRunning(r) ? 'running' : 'stopped').padEnd(8)} ${r.state.variants.map((v) => `${v.name}=${v.model}/${v.version}${v.shadow ? '(shadow)' : `(${v.weight})`}`).join(' ')}${isRunning(r) ? `  ${r.state.url}` : ''}\n`,
          );
        }
      }),
    );

  common(deploy.command('status <name>'))
    .description('what a deployment serves now, or served at --at')
    .option('--at <time>', 'an ISO time or ms since the epoch: what served the deployment then')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: DeployOptions & { at?: string; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        if (opts.at !== undefined) {
          const time = /^\d+$/.test(opts.at) ? Number(opts.at) : Date.parse(opts.at);
          if (!Number.isFinite(time)) throw invalid(`--at takes an ISO time, not '${opts.at}'`);
          const served = engine.deployments.servedAt(name, time);
          if (opts.json) {
            out.write(`${JSON.stringify(served ?? null)}\n`);
          } else if (!served || served.state.status !== 'running') {
            out.write(`${name} served nothing at ${new Date(time).toISOString()}\n`);
          } else {
            out.write(
              `At ${new Date(time).toISOString()} (since ${served.event.kind} by ${served.event.user} at ${new Date(served.event.time).toISOString()}):\n` +
                served.state.variants
                  .map(
                    (v) =>
                      `  ${v.name}: ${v.model} version ${v.version} ${v.shadow ? '(shadow)' : `weight ${v.weight}`}\n`,
                  )
                  .join(''),
            );
          }
          return;
        }
        const record = engine.deployments.get(name);
        const { isServing } = await import('../serving/index.js');
        const running = isServing(record.state);
        if (opts.json) {
          out.write(`${JSON.stringify({ ...record, running })}\n`);
        } else {
          out.write(describeState(record, running));
        }
      }),
    );

  common(deploy.command('logs <name>'))
    .description("a deployment's events: deploys, traffic changes, promotions, rollbacks, crashes")
    .option('--json', 'print JSON lines')
    .action(async (name: string, opts: DeployOptions & { json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        for (const e of engine.deployments.events(name)) {
          if (opts.json) {
            out.write(`${JSON.stringify(e)}\n`);
            continue;
          }
          out.write(
            `${new Date(e.time).toISOString()}  ${e.kind.padEnd(13)} ${e.user}${e.reason ? ` (${e.reason})` : ''}  ${JSON.stringify(weightsOf(e.state))}${Object.keys(e.details).length ? `  ${JSON.stringify(e.details)}` : ''}\n`,
          );
        }
      }),
    );

  common(deploy.command('traffic <name> <weights...>'))
    .description('set the weights of a running deployment (variant=weight ...)')
    .action(async (name: string, words: string[], opts: DeployOptions) =>
      withEngine(opts.store, async (engine) => {
        const weights = parseWeights(words);
        const record = engine.deployments.get(name);
        const { isServing, sendWeights } = await import('../serving/index.js');
        if (!isServing(record.state)) {
          throw invalid(`deployment '${name}' is not running; change its weights in ${opts.file}`);
        }
        const before = weightsOf(record.state);
        const after = await sendWeights(name, record.state, weights);
        engine.deployments.record(
          name,
          'traffic',
          actor(opts.reason),
          withWeights(record.state, after),
          { before, after },
        );
        out.write(`${name}: ${JSON.stringify(after)}\n`);
      }),
    );

  registerLiveDeployCommands(deploy, common, out);

  common(deploy.command('promote <name>'))
    .description(
      "move the champion's registry alias to the challenger's version and send it all traffic",
    )
    .option('--variant <name>', 'the variant to promote (default: the only challenger)')
    .action(async (name: string, opts: DeployOptions & { variant?: string }) =>
      withEngine(opts.store, async (engine) => {
        const { promoteVariant, remoteWeights } = await import('../serving/index.js');
        const record = engine.deployments.get(name);
        const done = await promoteVariant(
          {
            registry: engine.registry,
            deployments: engine.deployments,
            applyWeights: remoteWeights(name, record.state),
          },
          name,
          {
            ...(opts.variant ? { variant: opts.variant } : {}),
            actor: actor(
              opts.reason ?? `promote ${opts.variant ?? 'the challenger'} of deployment ${name}`,
            ),
          },
        );
        out.write(
          `${name}: ${done.model}@${done.alias} moved from version ${done.from} to ${done.to}; traffic ${JSON.stringify(weightsOf(done.event.state))}${done.running ? '' : ' (applies when the deployment is up)'}\n`,
        );
      }),
    );

  common(deploy.command('rollback <name>'))
    .description('reverse the last promote: the alias back to its version, the traffic back')
    .action(async (name: string, opts: DeployOptions) =>
      withEngine(opts.store, async (engine) => {
        const record = engine.deployments.get(name);
        const last = engine.deployments.lastOf(name, ['promote', 'rollback']);
        if (!last || last.kind !== 'promote') {
          throw invalid(`deployment '${name}' has no promotion to roll back`);
        }
        const d = last.details as {
          model: string;
          alias: string;
          from: string;
          to: string;
          before: Record<string, number>;
        };
        const who = actor(opts.reason ?? `roll back the promotion of ${d.model} version ${d.to}`);
        await engine.registry.setAlias(d.model, d.alias, d.from, who);
        const { isServing, sendWeights } = await import('../serving/index.js');
        const after = isServing(record.state)
          ? await sendWeights(name, record.state, d.before)
          : d.before;
        engine.deployments.record(name, 'rollback', who, withWeights(record.state, after), {
          model: d.model,
          alias: d.alias,
          from: d.to,
          to: d.from,
          reverses: last.time,
          after,
        });
        out.write(
          `${name}: ${d.model}@${d.alias} back to version ${d.from}; traffic ${JSON.stringify(after)}\n`,
        );
      }),
    );
}
