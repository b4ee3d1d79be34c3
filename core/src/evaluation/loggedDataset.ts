import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../model/errors';
import type { DatasetInput } from '../model/tracking';
import type { TrackingService } from '../tracking';

/** The prefix of an eval dataset given as a dataset input logged on a run. */
export const LOGGED_DATASET_PREFIX = 'dataset:';

/** The dataset contexts taken for evaluation when a run logged several and none is named. */
const EVAL_CONTEXTS = new Set(['eval', 'evaluation', 'test', 'testing', 'validation']);

/** A logged dataset input resolved to the file it was read from. */
export interface LoggedDatasetFile {
  /** The file, absolute. */
  file: string;
  /** The dataset's name as logged (the eval set's default name). */
  name: string;
  runId: string;
}

const context = (input: DatasetInput): string | undefined =>
  input.tags.find((t) => t.key === 'mlflow.data.context')?.value;

/** The file a dataset's source names, when it names one: `{"uri": ...}`, `{"path": ...}` or a bare path. */
function sourceFile(input: DatasetInput, cwd: string): string | undefined {
  const { source } = input.dataset;
  let named: unknown = source;
  try {
    const parsed = JSON.parse(source) as Record<string, unknown>;
    named = parsed.uri ?? parsed.path ?? parsed.url;
  } catch {
    // Not JSON: a bare path or URI.
  }
  if (typeof named !== 'string' || named === '') return undefined;
  if (named.startsWith('file:')) return fileURLToPath(named);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(named)) return undefined;
  return path.resolve(cwd, named);
}

/**
 * The eval file of `dataset:<run_id>[/<name>]`: the run's logged dataset input of that name (or,
 * with no name, its only one, else the one logged in an eval/test/validation context), read from
 * the local file its source names. A dataset from elsewhere (a table, a URL) is refused with
 * its source, as Sextant evaluates local CSV and Parquet files.
 */
export async function loggedDatasetFile(
  tracking: TrackingService,
  reference: string,
  cwd: string,
): Promise<LoggedDatasetFile> {
  const rest = reference.slice(LOGGED_DATASET_PREFIX.length);
  const slash = rest.indexOf('/');
  const runId = slash < 0 ? rest : rest.slice(0, slash);
  const name = slash < 0 ? undefined : rest.slice(slash + 1);
  if (!/^[0-9a-f]{32}$/i.test(runId) || name === '') {
    throw invalid(
      `'${reference}' is no logged dataset: give dataset:<run_id> or dataset:<run_id>/<dataset name>`,
    );
  }
  const inputs = (await tracking.getRun(runId)).inputs.datasetInputs;
  const names = inputs.map((i) => i.dataset.name);
  let input: DatasetInput | undefined;
  if (name !== undefined) {
    input = inputs.find((i) => i.dataset.name === name);
    if (!input) {
      throw invalid(
        `run ${runId} logged no dataset named '${name}'${names.length ? ` (it logged ${names.join(', ')})` : ''}`,
      );
    }
  } else {
    const evaluation = inputs.filter((i) => EVAL_CONTEXTS.has(context(i) ?? ''));
    input = inputs.length === 1 ? inputs[0] : evaluation.length === 1 ? evaluation[0] : undefined;
    if (!input) {
      throw invalid(
        inputs.length === 0
          ? `run ${runId} logged no dataset input`
          : `run ${runId} logged ${inputs.length} datasets (${names.join(', ')}): name one, dataset:${runId}/<name>`,
      );
    }
  }
  const file = sourceFile(input, cwd);
  if (!file) {
    throw invalid(
      `dataset '${input.dataset.name}' of run ${runId} comes from ${input.dataset.sourceType} source ${input.dataset.source}, not a local file: evaluate a .csv or .parquet file`,
    );
  }
  return { file, name: input.dataset.name, runId };
}
