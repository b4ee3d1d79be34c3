import path from 'node:path';
import type { Engine } from '../engine';
import type {
  DeploymentActor,
  DeploymentSpec,
  DeploymentState,
  RunningDeployment,
} from '../serving';

/** A deployment `sextant deploy up` is serving. */
export interface ServedEntry {
  spec: DeploymentSpec;
  deployment: RunningDeployment;
  state: DeploymentState;
}

/**
 * Serves a deployment whose spec declares an inference graph: its models resolved from the
 * registry, served as one variant named `graph`; the deploy event records each model's version.
 * `track` gets the entry as soon as it serves (so a failed start is closed by the caller).
 */
export async function upGraph(
  spec: DeploymentSpec & { graph: NonNullable<DeploymentSpec['graph']> },
  engine: Engine,
  opts: { file: string; python?: string },
  out: NodeJS.WritableStream,
  who: DeploymentActor,
  track: (entry: ServedEntry) => void,
): Promise<void> {
  const { graphModelUris, resolveServedModel, serveDeployment, servingPython } =
    await import('../serving/index.js');
  const workspace = path.dirname(path.resolve(opts.file));
  const models = [];
  const modelDirs: Record<string, string> = {};
  for (const uri of graphModelUris(spec.graph)) {
    const model = await resolveServedModel(
      uri,
      { registry: engine.registry, artifactRoot: engine.artifacts.root },
      process.cwd(),
    );
    modelDirs[uri] = model.dir;
    models.push({ uri, model: model.name, version: model.version });
  }
  const python = await servingPython({
    environment: 'local',
    modelDir: workspace,
    cwd: process.cwd(),
    environmentsDir: `${engine.storeDir}/envs`,
    ...(opts.python ? { python: opts.python } : {}),
  });
  const deployment = await serveDeployment({
    name: spec.name,
    variants: [
      {
        name: 'graph',
        model: spec.name,
        version: '1',
        modelDir: workspace,
        python,
        weight: 100,
        replicas: spec.replicas.min,
        graph: { graph: spec.graph, modelDirs, python, workspace },
      },
    ],
    host: spec.host,
    port: spec.port,
    maxBatchSize: spec.batching.maxBatchSize,
    maxBatchDelayMs: spec.batching.maxDelayMs,
    log: engine.inferenceLog,
    sampleRate: spec.sampleRate,
    ...(process.env.SEXTANT_TOKEN ? { adminToken: process.env.SEXTANT_TOKEN } : {}),
  });
  const state: DeploymentState = {
    status: 'running',
    url: deployment.url,
    pid: process.pid,
    champion: 'graph',
    variants: [
      {
        name: 'graph',
        model: spec.name,
        version: '1',
        uri: 'graph',
        weight: 100,
        shadow: false,
        replicas: spec.replicas.min,
      },
    ],
  };
  track({ spec, deployment, state });
  out.write(
    `Deploying ${spec.name} at ${deployment.url}: graph of ${models.map((m) => `${m.model}/${m.version}`).join(', ') || 'functions'}\n`,
  );
  await deployment.ready;
  engine.deployments.record(spec.name, 'deploy', who, state, {
    replicas: spec.replicas,
    file: path.resolve(opts.file),
    graph: { root: spec.graph.root, models },
  });
  out.write(`Ready: ${spec.name} at ${deployment.url}\n`);
}
