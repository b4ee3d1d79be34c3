import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument, YAMLMap, type Document } from 'yaml';
import { invalid } from '../model/errors';
import { parseDeployments, type DeploymentSpec } from './deploymentSpec';

/** What `declareDeployment` writes: the model, and the runtime and replicas when given. */
export interface DeploymentDeclaration {
  /** `models:/name@alias` or `models:/name/N`. */
  model: string;
  runtime?: string;
  /** Worker processes per variant (the `replicas:` field as one number). */
  replicas?: number;
}

/**
 * Declares a deployment in a `sextant.yaml` (made when missing): a new entry under
 * `deployments:`, or the model (and the runtime and replicas when given) of an existing one.
 * The rest of the file (pipelines, comments, other deployments) is kept as written. The file is
 * written only when the whole `deployments:` section is still valid.
 * @returns the deployment as it now reads.
 * @throws SextantError INVALID_PARAMETER_VALUE when the file is not YAML or the result is not a
 *   valid deployment (nothing is written then).
 */
export function declareDeployment(
  file: string,
  name: string,
  declaration: DeploymentDeclaration,
): DeploymentSpec {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw invalid(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  }
  if (doc.contents === null) doc.contents = new YAMLMap();
  if (!isMap(doc.contents)) throw invalid(`${file}: the file must be a mapping of sections`);
  const section = doc.get('deployments');
  if (section !== undefined && section !== null && !isMap(section)) {
    throw invalid(`${file}: 'deployments' must be a mapping of deployment names`);
  }
  if (section === undefined || section === null) doc.set('deployments', new YAMLMap());
  const entry = doc.getIn(['deployments', name]);
  if (entry !== undefined && entry !== null && !isMap(entry)) {
    throw invalid(`${file}: deployments.${name} must be a mapping`);
  }
  if (entry === undefined || entry === null) doc.setIn(['deployments', name], new YAMLMap());
  doc.setIn(['deployments', name, 'model'], declaration.model);
  if (declaration.runtime !== undefined) {
    doc.setIn(['deployments', name, 'runtime'], declaration.runtime);
  }
  if (declaration.replicas !== undefined) {
    doc.setIn(['deployments', name, 'replicas'], declaration.replicas);
  }
  const specs = parseDeployments((doc.toJS() as { deployments?: unknown }).deployments, file);
  const written = doc.toString();
  const temporary = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(temporary, written);
  fs.renameSync(temporary, file);
  return specs.find((s) => s.name === name)!;
}
