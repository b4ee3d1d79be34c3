import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parseDocument, YAMLMap, type YAMLSeq } from 'yaml';
import { invalid } from '../model/errors';
import { validateDeploymentName } from './deploymentRecords';
import { parseDeployments, type DeploymentSpec } from './deploymentSpec';

/** A deployment made from a model version in an IDE: what it writes into `sextant.yaml`. */
export interface DeploymentDraft {
  name: string;
  /** `models:/name@alias` or `models:/name/N`. */
  model: string;
  runtime?: 'python' | 'onnx';
  replicas?: number;
  /**
   * Add `model` to an existing deployment as this variant (a canary) instead of making it the
   * deployment's model; with {@link weight} its share (default 10), the others sharing the rest.
   */
  variant?: string;
  weight?: number;
}

/** Reads a YAML file as a Document (an empty one when the file is missing). */
function readDocument(file: string): ReturnType<typeof parseDocument> {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw invalid(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw invalid(`${file} does not hold a mapping at its top; cannot add a deployment to it`);
  }
  return doc;
}

/** Checks the document's deployments, then writes it (atomically); answers the specs. */
function writeChecked(file: string, doc: ReturnType<typeof parseDocument>): DeploymentSpec[] {
  const specs = parseDeployments(
    (doc.toJS() as { deployments?: unknown } | null)?.deployments,
    path.basename(file),
  );
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, doc.toString());
  fs.renameSync(temporary, file);
  return specs;
}

/**
 * Writes a deployment into the `deployments:` section of a `sextant.yaml` (created when missing),
 * keeping the file's comments and every other section: a new entry, or an existing one's
 * model, runtime and replicas changed (its routes and other fields kept). The result is checked
 * against the deployments schema before the file is written.
 * @throws SextantError INVALID_PARAMETER_VALUE for a bad name, model URI or file.
 */
export function writeDeploymentDraft(file: string, draft: DeploymentDraft): DeploymentSpec {
  validateDeploymentName(draft.name);
  const doc = readDocument(file);
  if (draft.variant !== undefined) return writeVariant(file, doc, draft);
  if (doc.contents === null) doc.contents = new YAMLMap();
  if (!doc.has('deployments') || !isMap(doc.get('deployments'))) {
    doc.set('deployments', new YAMLMap());
  }
  const existing = doc.getIn(['deployments', draft.name]);
  if (!isMap(existing)) doc.setIn(['deployments', draft.name], new YAMLMap());
  doc.setIn(['deployments', draft.name, 'model'], draft.model);
  if (draft.runtime !== undefined) doc.setIn(['deployments', draft.name, 'runtime'], draft.runtime);
  if (draft.replicas !== undefined) {
    doc.setIn(['deployments', draft.name, 'replicas'], draft.replicas);
  }
  return writeChecked(file, doc).find((s) => s.name === draft.name)!;
}

/**
 * Sets a declared deployment's replicas (a number, or `min` of a `{min, max}`, raising `max` to
 * it when below), keeping the file's comments.
 * @throws SextantError INVALID_PARAMETER_VALUE when the file declares no such deployment.
 */
export function writeReplicas(file: string, name: string, replicas: number): DeploymentSpec {
  const doc = readDocument(file);
  const entry = doc.getIn(['deployments', name]);
  if (!isMap(entry)) {
    throw invalid(`${path.basename(file)} declares no deployment named '${name}'`);
  }
  const current = entry.get('replicas');
  if (isMap(current)) {
    current.set('min', replicas);
    const max = current.get('max');
    if (typeof max === 'number' && max < replicas) current.set('max', replicas);
  } else {
    entry.set('replicas', replicas);
  }
  return writeChecked(file, doc).find((s) => s.name === name)!;
}

/** Adds (or re-points) a variant of a declared deployment with its weight, keeping comments. */
function writeVariant(
  file: string,
  doc: ReturnType<typeof parseDocument>,
  draft: DeploymentDraft,
): DeploymentSpec {
  const name = draft.variant!;
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw invalid(`'${name}' is not a variant name: use letters, digits, '_' and '-'`);
  }
  const weight = draft.weight ?? 10;
  if (!(Number.isFinite(weight) && weight >= 0 && weight <= 100)) {
    throw invalid(`a canary's weight is a share from 0 to 100, not ${weight}`);
  }
  const entry = doc.getIn(['deployments', draft.name]);
  if (!isMap(entry)) {
    throw invalid(
      `${path.basename(file)} declares no deployment named '${draft.name}' to add variant '${name}' to`,
    );
  }
  if (!isMap(entry.get('routes'))) {
    entry.set(
      'routes',
      doc.createNode({ champion: 'champion', variants: [{ name: 'champion', weight: 100 }] }),
    );
  }
  const routes = entry.get('routes') as YAMLMap;
  const variants = routes.get('variants') as YAMLSeq<YAMLMap> | undefined;
  if (!isSeq(variants)) throw invalid(`${draft.name}.routes has no list of variants`);
  const champion = String(routes.get('champion') ?? (variants.items[0]?.get('name') as string));
  if (name === champion) throw invalid(`'${name}' is the champion; name the canary otherwise`);
  let variant = variants.items.find((v) => isMap(v) && v.get('name') === name);
  if (!variant) {
    variant = doc.createNode({ name }) as YAMLMap;
    variants.add(variant);
  }
  variant.set('model', draft.model);
  variant.set('weight', weight);
  const others = variants.items.filter(
    (v) => isMap(v) && v !== variant && v.get('shadow') !== true,
  );
  const championEntry = others.find((v) => v.get('name') === champion);
  if (championEntry) {
    const rest = others
      .filter((v) => v !== championEntry)
      .reduce((sum, v) => sum + Number(v.get('weight') ?? 0), 0);
    championEntry.set('weight', Math.max(0, 100 - weight - rest));
  }
  return writeChecked(file, doc).find((s) => s.name === draft.name)!;
}
