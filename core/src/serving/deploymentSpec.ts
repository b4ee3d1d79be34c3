import Ajv, { type ErrorObject } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { invalid, notFound } from '../model/errors';
import { parseServingExtras, type GraphSpec } from './graphSpec';
import type { ProcessingSpec } from './processing';
import { parseExperiment, type ExperimentSpec } from './experimentSpec';
import { autoscalingConfig, type AutoscalingConfig } from './autoscaler';
import type { RollbackGuard } from './traffic';

/** One variant of a deployment as declared. */
export interface VariantSpec {
  name: string;
  /** `models:/name@alias` or `models:/name/N`. */
  model: string;
  weight: number;
  shadow: boolean;
  /** Runtime `proxy`: the upstream OIP server and the model's name there. */
  upstream?: { url: string; model?: string };
}

/** A deployment as `sextant.yaml` declares it, with defaults filled in. */
export interface DeploymentSpec {
  name: string;
  model: string;
  runtime: 'python' | 'onnx' | 'proxy';
  /** `ray`: the pyfunc model on Ray Serve in the cluster of {@link ray} (absent: local). */
  compute?: 'ray';
  ray?: { address: string; python?: string; httpHost: string; httpPort: number };
  /** Per-replica resources as Kubernetes writes them (`requests`, `limits`). */
  resources?: Record<string, Record<string, string | number>>;
  replicas: { min: number; max: number };
  batching: { maxBatchSize: number; maxDelayMs: number };
  host: string;
  port: number;
  sampleRate: number;
  stickyHeader?: string;
  /** The variant whose model's alias promote and rollback move. */
  champion: string;
  variants: VariantSpec[];
  rollback?: Omit<RollbackGuard, 'champion'>;
  /** Python functions around the model (see processing.ts). */
  processing?: ProcessingSpec;
  /** An inference graph served in place of `model` (then empty). */
  graph?: GraphSpec;
  /** The online experiment between the variants (the champion is the control). */
  experiment?: ExperimentSpec;
  /** How replicas follow concurrency between replicas.min and max (used when max > min). */
  autoscaling: AutoscalingConfig;
}

/** The published schema of the `deployments:` section. */
function schemaFile(): string {
  const inPackage = path.resolve(__dirname, '..', '..', 'schemas', 'deployment.schema.json');
  if (fs.existsSync(inPackage)) return inPackage;
  // A bundle (the VS Code extension's out/) has the schemas in schemas/ beside it.
  const besideBundle = [
    path.join(__dirname, 'schemas', 'deployment.schema.json'),
    path.join(__dirname, 'deployment.schema.json'),
  ].find((file) => fs.existsSync(file));
  return besideBundle ?? inPackage;
}

let validate: ReturnType<Ajv['compile']> | undefined;

/** The published schema of the `deployments:` section (deployment.schema.json), parsed. */
export function readDeploymentSchema(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(schemaFile(), 'utf8')) as Record<string, unknown>;
}

function describe(error: ErrorObject): string {
  const at = error.instancePath.slice(1).replace(/\//g, '.') || 'deployments';
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `unknown field '${String(p.additionalProperty)}' in ${at}`;
  }
  if (error.keyword === 'required') return `missing field '${String(p.missingProperty)}' in ${at}`;
  if (error.keyword === 'pattern' && at.endsWith('model')) {
    return `${at}: use models:/<name>@<alias> or models:/<name>/<version>`;
  }
  return `${at}: ${error.message ?? error.keyword}`;
}

/** A variant's upstream (its own `url`/`upstream_model`, else the deployment's) for runtime proxy. */
function upstreamOf(
  d: { url?: string; upstream_model?: string },
  v: { url?: string; upstream_model?: string },
): Pick<VariantSpec, 'upstream'> {
  const url = v.url ?? d.url;
  if (!url) return {};
  const model = v.upstream_model ?? d.upstream_model;
  return { upstream: { url, ...(model ? { model } : {}) } };
}

/** A problem of a `deployments:` section, at the node it is about. */
export interface DeploymentProblem {
  /** Keys (and list indexes) from the section down to the node: `['api', 'routes', 'variants', 0]`. */
  path: (string | number)[];
  message: string;
}

/** The schema's problems with a section, each at its node (an unknown field: at its key). */
function schemaProblems(section: unknown): DeploymentProblem[] {
  validate ??= new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
    JSON.parse(fs.readFileSync(schemaFile(), 'utf8')) as object,
  );
  if (validate(section)) return [];
  const problems = (validate.errors ?? [])
    .filter((e) => !['oneOf', 'anyOf', 'propertyNames'].includes(e.keyword))
    .map((error) => {
      const path: (string | number)[] = error.instancePath
        .split('/')
        .slice(1)
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
      const named = (error as { propertyName?: string }).propertyName;
      if (named !== undefined) {
        return {
          path: [...path, named],
          message: `deployment name '${named}': use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128)`,
        };
      }
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      if (error.keyword === 'additionalProperties' && extra !== undefined) path.push(extra);
      return { path, message: describe(error) };
    });
  // A deployment serves a model or a graph: neither is one problem, said once.
  const graphMissing = (p: DeploymentProblem) =>
    p.message === `missing field 'graph' in ${p.path.join('.')}`;
  return problems
    .filter((p) => !graphMissing(p))
    .map((p) =>
      problems.some((q) => graphMissing(q) && q.path.join('.') === p.path.join('.')) &&
      p.message === `missing field 'model' in ${p.path.join('.')}`
        ? { ...p, message: `missing field 'model' (or 'graph') in ${p.path.join('.')}` }
        : p,
    );
}

/** Where a rule's message (`<name>.replicas: ...`, `<name>: routes.champion ...`) points. */
function rulePath(name: string, message: string, raw: unknown): (string | number)[] {
  const field = message.startsWith(`${name}.`)
    ? /^(\w+):/.exec(message.slice(name.length + 1))?.[1]
    : undefined;
  if (field) return [name, field];
  if (message.includes('routes.champion')) return [name, 'routes', 'champion'];
  const twice = /variant '(.+)' is listed twice/.exec(message)?.[1];
  const variants = (raw as { routes?: { variants?: { name?: string }[] } })?.routes?.variants;
  if (twice && variants) {
    const index = variants.map((v) => v.name).lastIndexOf(twice);
    if (index >= 0) return [name, 'routes', 'variants', index, 'name'];
  }
  if (variants) return [name, 'routes', 'variants'];
  return [name];
}

/**
 * Every problem of a `deployments:` section with the path of its node, for an editor to mark:
 * the schema's, or when the schema is met, the first rule each deployment breaks (as
 * {@link parseDeployments} words them).
 */
export function deploymentProblems(section: unknown): DeploymentProblem[] {
  if (section === undefined || section === null) return [];
  const schema = schemaProblems(section);
  if (schema.length > 0) return schema;
  const problems: DeploymentProblem[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    try {
      parseDeployments({ [name]: raw }, '');
    } catch (error) {
      const message = (error as Error).message.replace(/^: /, '');
      problems.push({ path: rulePath(name, message, raw), message });
    }
  }
  return problems;
}

/**
 * The deployments a `deployments:` section declares, checked against deployment.schema.json
 * and with their defaults: one variant `champion` at weight 100 when no routes are given.
 * @throws SextantError INVALID_PARAMETER_VALUE naming every problem found.
 */
export function parseDeployments(section: unknown, file = 'sextant.yaml'): DeploymentSpec[] {
  if (section === undefined || section === null) return [];
  const problems = schemaProblems(section).map((p) => p.message);
  if (problems.length > 0) throw invalid(`${file}: ${[...new Set(problems)].join('; ')}`);
  const specs: DeploymentSpec[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, Record<string, unknown>>)) {
    const d = raw as {
      model: string;
      runtime?: 'python' | 'onnx' | 'proxy';
      url?: string;
      upstream_model?: string;
      compute?: 'local' | 'ray';
      ray?: { address?: string; python?: string; http_host?: string; http_port?: number };
      resources?: Record<string, Record<string, string | number>>;
      replicas?: number | { min: number; max?: number };
      batching?: { max_batch_size?: number; max_delay_ms?: number };
      host?: string;
      port?: number;
      request_logging?: { sample_rate?: number };
      routes?: {
        sticky_header?: string;
        champion?: string;
        variants: {
          name: string;
          model?: string;
          weight?: number;
          shadow?: boolean;
          url?: string;
          upstream_model?: string;
        }[];
      };
      autoscaling?: {
        target_concurrency?: number;
        stable_window_s?: number;
        panic_window_percent?: number;
        panic_threshold_percent?: number;
        scale_down_delay_s?: number;
      };
      rollback?: {
        window_s?: number;
        min_requests?: number;
        max_error_rate?: number;
        max_p99_ms?: number;
      };
      experiment?: unknown;
    };
    const extras = parseServingExtras(raw, `${file}: ${name}`, path.dirname(path.resolve(file)));
    const replicas =
      typeof d.replicas === 'number'
        ? { min: d.replicas, max: d.replicas }
        : { min: d.replicas?.min ?? 1, max: d.replicas?.max ?? d.replicas?.min ?? 1 };
    if (replicas.max < replicas.min) {
      throw invalid(
        `${file}: ${name}.replicas: max (${replicas.max}) is below min (${replicas.min})`,
      );
    }
    const variants: VariantSpec[] = (d.routes?.variants ?? [{ name: 'champion' }]).map((v) => ({
      name: v.name,
      model: v.model ?? d.model,
      weight: v.shadow ? 0 : (v.weight ?? (d.routes ? 0 : 100)),
      shadow: v.shadow ?? false,
      ...upstreamOf(d, v),
    }));
    if (d.runtime === 'proxy' && variants.some((v) => !v.upstream)) {
      throw invalid(`${file}: ${name}: runtime proxy needs 'url': the upstream OIP server`);
    }
    if (d.runtime === 'proxy' && d.compute === 'ray') {
      throw invalid(
        `${file}: ${name}: runtime proxy forwards to its url; it takes no compute: ray`,
      );
    }
    const names = new Set<string>();
    for (const v of variants) {
      if (names.has(v.name)) throw invalid(`${file}: ${name}: variant '${v.name}' is listed twice`);
      names.add(v.name);
    }
    const served = variants.filter((v) => !v.shadow);
    if (!served.some((v) => v.weight > 0)) {
      throw invalid(
        `${file}: ${name}: give at least one variant that is not a shadow a positive weight`,
      );
    }
    const champion = d.routes?.champion ?? served[0]!.name;
    if (!served.some((v) => v.name === champion)) {
      throw invalid(
        `${file}: ${name}: routes.champion '${champion}' is not a variant taking traffic`,
      );
    }
    if (
      d.rollback &&
      d.rollback.max_error_rate === undefined &&
      d.rollback.max_p99_ms === undefined
    ) {
      throw invalid(`${file}: ${name}.rollback: give max_error_rate, max_p99_ms or both`);
    }
    const parsedExperiment =
      d.experiment === undefined
        ? undefined
        : parseExperiment(d.experiment, `${file}: ${name}`, {
            servedVariants: served.length,
            sampleRate: d.request_logging?.sample_rate ?? 1,
          });
    const unit = parsedExperiment?.unit;
    if (
      unit &&
      d.routes?.sticky_header &&
      unit.toLowerCase() !== d.routes.sticky_header.toLowerCase()
    ) {
      throw invalid(
        `${file}: ${name}: experiment.unit '${unit}' and routes.sticky_header '${d.routes.sticky_header}' differ; give one`,
      );
    }
    // Traffic sticky by a header is assigned per unit, so the experiment is analysed per unit.
    const experiment =
      parsedExperiment && !unit && d.routes?.sticky_header
        ? { ...parsedExperiment, unit: d.routes.sticky_header }
        : parsedExperiment;
    const scaling = d.autoscaling ?? {};
    const stableWindowMs = (scaling.stable_window_s ?? 60) * 1000;
    specs.push({
      name,
      autoscaling: autoscalingConfig({
        ...(scaling.target_concurrency !== undefined
          ? { targetConcurrency: scaling.target_concurrency }
          : {}),
        stableWindowMs,
        panicWindowMs: (stableWindowMs * (scaling.panic_window_percent ?? 10)) / 100,
        panicThreshold: (scaling.panic_threshold_percent ?? 200) / 100,
        scaleDownDelayMs: (scaling.scale_down_delay_s ?? 0) * 1000,
      }),
      model: d.model ?? '',
      runtime: d.runtime ?? 'python',
      ...(d.compute === 'ray'
        ? {
            compute: 'ray' as const,
            ray: {
              address: d.ray?.address ?? 'auto',
              ...(d.ray?.python ? { python: d.ray.python } : {}),
              httpHost: d.ray?.http_host ?? '127.0.0.1',
              httpPort: d.ray?.http_port ?? 8000,
            },
          }
        : {}),
      ...(d.resources ? { resources: d.resources } : {}),
      replicas,
      batching: {
        maxBatchSize: d.batching?.max_batch_size ?? 1,
        maxDelayMs: d.batching?.max_delay_ms ?? 0,
      },
      host: d.host ?? '127.0.0.1',
      port: d.port ?? 0,
      sampleRate: d.request_logging?.sample_rate ?? 1,
      ...(d.routes?.sticky_header || unit
        ? { stickyHeader: (d.routes?.sticky_header ?? unit)! }
        : {}),
      champion,
      variants,
      ...(d.rollback
        ? {
            rollback: {
              windowMs: (d.rollback.window_s ?? 60) * 1000,
              minRequests: d.rollback.min_requests ?? 20,
              ...(d.rollback.max_error_rate !== undefined
                ? { maxErrorRate: d.rollback.max_error_rate }
                : {}),
              ...(d.rollback.max_p99_ms !== undefined ? { maxP99Ms: d.rollback.max_p99_ms } : {}),
            },
          }
        : {}),
      ...extras,
      ...(experiment ? { experiment } : {}),
    });
  }
  return specs;
}

/**
 * The deployments of a `sextant.yaml` file.
 * @throws SextantError RESOURCE_DOES_NOT_EXIST when the file is missing, INVALID_PARAMETER_VALUE
 *   when it is not YAML or its deployments are not valid.
 */
export function readDeployments(file: string): DeploymentSpec[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw notFound(`no ${file} here: declare deployments under 'deployments:' in sextant.yaml`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw invalid(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  return parseDeployments((doc as { deployments?: unknown } | null)?.deployments, file);
}
