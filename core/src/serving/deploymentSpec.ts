import Ajv, { type ErrorObject } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { invalid, notFound } from '../model/errors';
import type { RollbackGuard } from './traffic';

/** One variant of a deployment as declared. */
export interface VariantSpec {
  name: string;
  /** `models:/name@alias` or `models:/name/N`. */
  model: string;
  weight: number;
  shadow: boolean;
}

/** A deployment as `sextant.yaml` declares it, with defaults filled in. */
export interface DeploymentSpec {
  name: string;
  model: string;
  runtime: 'python' | 'onnx';
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

/**
 * The deployments a `deployments:` section declares, checked against deployment.schema.json
 * and with their defaults: one variant `champion` at weight 100 when no routes are given.
 * @throws SextantError INVALID_PARAMETER_VALUE naming every problem found.
 */
export function parseDeployments(section: unknown, file = 'sextant.yaml'): DeploymentSpec[] {
  if (section === undefined || section === null) return [];
  validate ??= new Ajv({ allErrors: true }).compile(
    JSON.parse(fs.readFileSync(schemaFile(), 'utf8')) as object,
  );
  if (!validate(section)) {
    const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf').map(describe);
    throw invalid(`${file}: ${[...new Set(problems)].join('; ')}`);
  }
  const specs: DeploymentSpec[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, Record<string, unknown>>)) {
    const d = raw as {
      model: string;
      runtime?: 'python' | 'onnx';
      replicas?: number | { min: number; max?: number };
      batching?: { max_batch_size?: number; max_delay_ms?: number };
      host?: string;
      port?: number;
      request_logging?: { sample_rate?: number };
      routes?: {
        sticky_header?: string;
        champion?: string;
        variants: { name: string; model?: string; weight?: number; shadow?: boolean }[];
      };
      rollback?: {
        window_s?: number;
        min_requests?: number;
        max_error_rate?: number;
        max_p99_ms?: number;
      };
    };
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
    }));
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
    specs.push({
      name,
      model: d.model,
      runtime: d.runtime ?? 'python',
      replicas,
      batching: {
        maxBatchSize: d.batching?.max_batch_size ?? 1,
        maxDelayMs: d.batching?.max_delay_ms ?? 0,
      },
      host: d.host ?? '127.0.0.1',
      port: d.port ?? 0,
      sampleRate: d.request_logging?.sample_rate ?? 1,
      ...(d.routes?.sticky_header ? { stickyHeader: d.routes.sticky_header } : {}),
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
