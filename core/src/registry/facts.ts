import YAML from 'yaml';
import {
  PIPELINE_TAGS,
  type Deployability,
  type ModelDeployFacts,
  type ModelLineage,
  type Run,
} from '../model';
import type { ArtifactEntry, ArtifactRead } from '../artifacts';
import { unresolvableRequirements } from './requirements';

/** What the registry reads of the artifact store: files and listings by store-relative path. */
export interface ArtifactReader {
  read(path: string): Promise<ArtifactRead>;
  list(path?: string): Promise<ArtifactEntry[]>;
}

/** Flavors Sextant can serve: pyfunc in a Python worker, ONNX in-process. */
export const SERVABLE_FLAVORS: readonly string[] = ['python_function', 'onnx'];

/** Files larger than this are not parsed as MLmodel or environment files. */
const MAX_META_BYTES = 1024 * 1024;
/** A listing walks at most this many entries when it adds up the model's size. */
const MAX_WALK_ENTRIES = 100_000;

async function readText(store: ArtifactReader, path: string): Promise<string | undefined> {
  let file: ArtifactRead;
  try {
    file = await store.read(path);
  } catch {
    return undefined;
  }
  if (file.size > MAX_META_BYTES) {
    file.stream.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function sizeOf(store: ArtifactReader, root: string): Promise<number> {
  let total = 0;
  let seen = 0;
  const queue = [root];
  while (queue.length > 0 && seen < MAX_WALK_ENTRIES) {
    for (const entry of await store.list(queue.shift())) {
      seen++;
      if (entry.isDir) queue.push(entry.path);
      else total += entry.fileSize ?? 0;
    }
  }
  return total;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const parseYaml = (text: string | undefined): Record<string, unknown> => {
  if (text === undefined) return {};
  try {
    return asRecord(YAML.parse(text));
  } catch {
    return {};
  }
};

const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

function condaDependencies(conda: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const dep of Array.isArray(conda.dependencies) ? conda.dependencies : []) {
    if (typeof dep === 'string') out.push(dep);
    else {
      const pip = asRecord(dep).pip;
      for (const req of Array.isArray(pip) ? pip : []) {
        if (typeof req === 'string') out.push(`pip:${req}`);
      }
    }
  }
  return out;
}

/**
 * Reads what deploying a version needs from its files under `root` (a path relative to the
 * artifact store): the MLmodel file (flavors, signature, input example, MLflow version),
 * requirements.txt, conda.yaml, python_env.yaml, and the total size. Missing or unreadable files
 * leave their fields empty; nothing here throws for a model's content.
 */
export async function readDeployFacts(
  store: ArtifactReader,
  root: string,
): Promise<ModelDeployFacts> {
  const at = (file: string): string => (root === '' ? file : `${root}/${file}`);
  const [mlmodelText, requirementsText, condaText, pythonEnvText] = await Promise.all([
    readText(store, at('MLmodel')),
    readText(store, at('requirements.txt')),
    readText(store, at('conda.yaml')),
    readText(store, at('python_env.yaml')),
  ]);
  const mlmodel = parseYaml(mlmodelText);
  const flavors = asRecord(mlmodel.flavors);
  const signature = asRecord(mlmodel.signature);
  const pythonEnv = parseYaml(pythonEnvText);
  const conda = parseYaml(condaText);
  const pythonVersion =
    stringOf(asRecord(flavors.python_function).python_version) ?? stringOf(pythonEnv.python);
  const mlflowVersion = stringOf(mlmodel.mlflow_version);
  const signatureFields = Object.fromEntries(
    (['inputs', 'outputs', 'params'] as const)
      .map((k) => [k, stringOf(signature[k])] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  ) as ModelDeployFacts['signature'];
  return {
    flavors: Object.keys(flavors),
    hasMlmodel: mlmodelText !== undefined,
    ...(signatureFields && Object.keys(signatureFields).length > 0
      ? { signature: signatureFields }
      : {}),
    hasInputExample: mlmodel.saved_input_example_info !== undefined,
    ...(pythonVersion ? { pythonVersion } : {}),
    pipRequirements: (requirementsText ?? '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
    hasRequirements: requirementsText !== undefined,
    hasConda: condaText !== undefined,
    condaDependencies: condaDependencies(conda),
    sizeBytes: await sizeOf(store, root),
    ...(mlflowVersion ? { mlflowVersion } : {}),
  };
}

/**
 * Whether Sextant could deploy a version with these facts, and each reason why not: an MLmodel
 * file, a flavor Sextant serves, a signature, and requirements resolvable, which means a
 * `requirements.txt` beside MLmodel whose every line pip can install from an index or URL alone
 * ({@link unresolvableRequirements}; the index itself is not asked, so a version that does not
 * exist there shows only when the environment is built).
 */
export function deployability(facts: ModelDeployFacts | undefined): Deployability {
  if (!facts || !facts.hasMlmodel) {
    return {
      deployable: false,
      reasons: [
        'No MLmodel file at the version source: log the model with mlflow.<flavor>.log_model.',
      ],
    };
  }
  const reasons: string[] = [];
  if (!facts.flavors.some((f) => SERVABLE_FLAVORS.includes(f))) {
    reasons.push(
      `No flavor Sextant can serve (has ${facts.flavors.join(', ') || 'none'}; needs python_function or onnx).`,
    );
  }
  if (!facts.hasRequirements) {
    reasons.push('No requirements.txt beside MLmodel: the serving environment cannot be built.');
  } else {
    const problems = unresolvableRequirements(facts.pipRequirements);
    if (problems.length > 0) {
      reasons.push(
        `requirements.txt cannot be installed from the file alone: ${problems.join(' ')} Log the model with pip_requirements that name packages of an index.`,
      );
    }
  }
  if (!facts.signature?.inputs) {
    reasons.push('No signature: log the model with a signature or an input_example.');
  }
  return { deployable: reasons.length === 0, reasons };
}

/**
 * Where a version came from: its run, the run's git commit, its pipeline step if any, and the
 * dataset versions the run consumed.
 */
export function lineageOf(run: Run | undefined): ModelLineage | undefined {
  if (!run) return undefined;
  const tag = (key: string): string | undefined => run.data.tags.find((t) => t.key === key)?.value;
  const gitCommit = tag('mlflow.source.git.commit');
  const pipeline = tag(PIPELINE_TAGS.pipeline);
  const pipelineRunId = tag(PIPELINE_TAGS.pipelineRunId);
  const pipelineStep = tag(PIPELINE_TAGS.step);
  const datasets = run.inputs.datasetInputs.map((input) => {
    const context = input.tags.find((t) => t.key === 'mlflow.data.context')?.value;
    return {
      name: input.dataset.name,
      digest: input.dataset.digest,
      ...(context ? { context } : {}),
    };
  });
  return {
    runId: run.info.runId,
    experimentId: run.info.experimentId,
    ...(gitCommit ? { gitCommit } : {}),
    ...(pipeline ? { pipeline } : {}),
    ...(pipelineRunId ? { pipelineRunId } : {}),
    ...(pipelineStep ? { pipelineStep } : {}),
    ...(datasets.length > 0 ? { datasets } : {}),
  };
}
