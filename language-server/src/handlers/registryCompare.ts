import { invalid, type Engine, type ModelVersion } from '@sextant/core';
import type {
  ComparedMetric,
  EvaluationDetails,
  EvaluationSummary,
  ParamComparison,
  RegistryCompareResult,
  VersionRef,
} from '../protocol';
import { evaluationDetails, listEvaluations, lowerIsBetter } from './evaluationData';
import { versionSummary } from './registryData';

/** Metrics that describe the eval set rather than score a model: never ranked. */
const UNRANKED = /^(example_count|sum_on_target|mean_on_target)$/;
/** Confusion counts: ranked (false_* lower, true_* higher) only over equal example counts. */
const CONFUSION_COUNTS = /^(true|false)_(positives|negatives)$/;

/** `versions` of params: `min` to `max` distinct `{ name, version }` pairs. */
export function versionRefs(params: unknown, min: number, max: number): VersionRef[] {
  const given = (params as { versions?: unknown } | undefined)?.versions;
  if (!Array.isArray(given) || given.length < min || given.length > max) {
    throw invalid(`Give 'versions': ${min} to ${max} { name, version } pairs.`);
  }
  const refs = given.map((item: unknown): VersionRef => {
    const { name, version } = (item ?? {}) as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
      throw invalid(`Invalid version ${JSON.stringify(item)}: give { name, version } as strings.`);
    }
    return { name, version };
  });
  const keys = new Set(refs.map((r) => `${r.name}\u0000${r.version}`));
  if (keys.size !== refs.length) throw invalid('Each version may be given once.');
  return refs;
}

/** One row per key, the value of each column in order; `differs` when not all are equal. */
function diffRows(columns: Map<string, string>[]): ParamComparison[] {
  const keys = [...new Set(columns.flatMap((c) => [...c.keys()]))].sort();
  return keys.map((key) => {
    const values = columns.map((c) => c.get(key) ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

/** Each pip requirement by package name (`scikit-learn==1.5.0` → `scikit-learn`). */
export function requirementsByPackage(lines: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of lines) {
    const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
    found.set((name ?? line).toLowerCase().replace(/_/g, '-'), line.trim());
  }
  return found;
}

/** The columns of an MLflow signature side (`[{"name": "age", "type": "double"}]`), by name. */
export function signatureColumns(
  side: 'input' | 'output',
  json: string | undefined,
): Map<string, string> {
  const found = new Map<string, string>();
  if (!json) return found;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    found.set(`${side}:?`, json);
    return found;
  }
  (Array.isArray(parsed) ? parsed : []).forEach((column: unknown, index) => {
    const c = (column ?? {}) as { name?: unknown; type?: unknown; 'tensor-spec'?: unknown };
    const type = typeof c.type === 'string' ? c.type : JSON.stringify(c['tensor-spec'] ?? c);
    found.set(`${side}:${typeof c.name === 'string' ? c.name : index}`, type);
  });
  return found;
}

function factsOf(version: ModelVersion): Map<string, string> {
  const facts = version.facts;
  const lineage = version.lineage;
  const rows = new Map<string, string>();
  const set = (key: string, value: string | undefined): void => {
    if (value) rows.set(key, value);
  };
  set('python', facts?.pythonVersion);
  set('flavors', facts?.flavors.join(', '));
  set('mlflow', facts?.mlflowVersion);
  set('source run', version.runId || undefined);
  set(
    'pipeline step',
    lineage?.pipeline && lineage.pipelineStep
      ? `${lineage.pipeline} › ${lineage.pipelineStep}`
      : undefined,
  );
  set('datasets', lineage?.datasets?.map((d) => `${d.name}@${d.digest}`).join(', '));
  set('git commit', lineage?.gitCommit);
  return rows;
}

/** Metrics of the evaluations, each with the index of the best value. */
export function compareMetrics(evaluations: (EvaluationSummary | null)[]): ComparedMetric[] {
  const keys = [...new Set(evaluations.flatMap((e) => Object.keys(e?.metrics ?? {})))].sort();
  const counts = evaluations.map((e) => e?.metrics['example_count']);
  const sameExamples = counts.every((c) => c !== undefined && c === counts[0]);
  return keys.map((key) => {
    const values = evaluations.map((e) => e?.metrics[key] ?? null);
    const greaterIsBetter = !lowerIsBetter(key);
    const ranked = !UNRANKED.test(key) && (!CONFUSION_COUNTS.test(key) || sameExamples);
    const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
    let best: number | null = null;
    if (ranked && present.length >= 2 && new Set(present).size > 1) {
      const target = greaterIsBetter ? Math.max(...present) : Math.min(...present);
      best = values.indexOf(target);
    }
    return { key, values, greaterIsBetter, ranked, best };
  });
}

/** Eval sets every version was evaluated on, by their newest evaluation, newest first. */
function commonEvalSets(perVersion: EvaluationSummary[][]): string[] {
  const newest = new Map<string, number>();
  for (const evaluation of perVersion.flat()) {
    newest.set(
      evaluation.evalSet,
      Math.max(newest.get(evaluation.evalSet) ?? 0, evaluation.startTime),
    );
  }
  return [...newest.keys()]
    .filter((set) => perVersion.every((list) => list.some((e) => e.evalSet === set)))
    .sort((a, b) => newest.get(b)! - newest.get(a)!);
}

/** The comparison of versions on one eval set (see `sextant/registry/compare`). */
export async function compareVersions(
  engine: Engine,
  refs: VersionRef[],
  evalSet: string | undefined,
): Promise<RegistryCompareResult> {
  const versions = await Promise.all(
    refs.map((r) => engine.registry.getVersion(r.name, r.version)),
  );
  const perVersion = await Promise.all(
    refs.map((r) => listEvaluations(engine, { name: r.name, version: r.version })),
  );
  const common = commonEvalSets(perVersion);
  const chosen = evalSet ?? common[0];
  const newestOn = perVersion.map((list) => list.find((e) => e.evalSet === chosen) ?? null);
  const evaluations: (EvaluationDetails | null)[] = await Promise.all(
    newestOn.map((e) => (e ? evaluationDetails(engine, e.runId) : null)),
  );
  const runs = await Promise.all(
    versions.map((v) =>
      v.runId ? engine.tracking.getRun(v.runId).catch(() => undefined) : undefined,
    ),
  );
  return {
    versions: versions.map((v, i) => versionSummary(v, perVersion[i])),
    ...(chosen ? { evalSet: chosen } : {}),
    commonEvalSets: common,
    evaluations,
    metrics: compareMetrics(newestOn),
    params: diffRows(
      runs.map((run) => new Map((run?.data.params ?? []).map((p) => [p.key, p.value]))),
    ),
    requirements: diffRows(
      versions.map((v) => requirementsByPackage(v.facts?.pipRequirements ?? [])),
    ),
    signature: diffRows(
      versions.map(
        (v) =>
          new Map([
            ...signatureColumns('input', v.facts?.signature?.inputs),
            ...signatureColumns('output', v.facts?.signature?.outputs),
          ]),
      ),
    ),
    facts: diffRows(versions.map(factsOf)),
  };
}
