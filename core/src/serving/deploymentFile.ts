import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument, YAMLMap } from 'yaml';
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
