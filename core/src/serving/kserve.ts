import { invalid } from '../model/errors';
import type { DeploymentSpec } from './deploymentSpec';

/** One variant of a deployment, resolved to its registered version, for the manifest. */
export interface KServeVariant {
  name: string;
  weight: number;
  shadow: boolean;
  /** The registered model and version it serves. */
  model: string;
  version: string;
  /** The version's MLmodel flavours (e.g. `python_function`, `sklearn`). */
  flavors: string[];
  /** Where KServe's storage initializer fetches the version's MLflow model folder. */
  storageUri: string;
}

/** A KServe InferenceService manifest, and what a reader must know of it. */
export interface KServeExport {
  manifest: Record<string, unknown>;
  notes: string[];
}

/**
 * KServe's model format for a version's flavours. A pyfunc model is exported as format `mlflow`
 * (served by KServe's MLServer runtime, which loads the MLflow model folder as logged); KServe's
 * sklearn, XGBoost and LightGBM servers read their own files (`model.joblib`, `model.bst`), not
 * an MLflow model folder. A version with no pyfunc flavour keeps its native format.
 */
export function modelFormatOf(flavors: readonly string[]): { name: string; version?: string } {
  if (flavors.includes('python_function')) return { name: 'mlflow', version: '1' };
  const native = ['onnx', 'tensorflow', 'pytorch', 'sklearn', 'xgboost', 'lightgbm'].find((f) =>
    flavors.includes(f),
  );
  if (!native) {
    throw invalid(
      `a version with flavours ${flavors.join(', ') || 'none'} has no KServe model format; log it with mlflow.<flavor>.log_model`,
    );
  }
  return { name: native };
}

/** A deployment name as a Kubernetes object name (RFC 1035 label: lowercase, digits, '-'). */
export function kubernetesName(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label || 'sextant-deployment';
}

/**
 * The KServe `InferenceService` (serving.kserve.io/v1beta1) of a deployment: its predictor serves
 * the champion, or with a canary the challenger at `canaryTrafficPercent` (KServe splits traffic
 * between the last ready revision and the new one, so the champion's manifest is applied first);
 * model format from the version's flavours, `storageUri` from its artifact location, min and max
 * replicas and resources from the spec, the Open Inference Protocol (`protocolVersion: v2`).
 * @throws SextantError INVALID_PARAMETER_VALUE when the traffic has no KServe form (over two
 *   variants taking traffic) or a version has no model format.
 */
export function kserveManifest(
  spec: DeploymentSpec,
  variants: readonly KServeVariant[],
  only?: string,
): KServeExport {
  const notes: string[] = [];
  let served = variants.filter((v) => !v.shadow && v.weight > 0);
  if (only !== undefined) {
    const chosen = variants.find((v) => v.name === only);
    if (!chosen) {
      throw invalid(
        `deployment '${spec.name}' has no variant '${only}'; it has ${variants.map((v) => v.name).join(', ')}`,
      );
    }
    served = [{ ...chosen, weight: 100 }];
  } else {
    for (const v of variants.filter((v) => v.shadow)) {
      notes.push(`shadow variant '${v.name}' is left out: an InferenceService has no shadow`);
    }
  }
  if (served.length > 2) {
    throw invalid(
      `deployment '${spec.name}' splits traffic over ${served.length} variants; a KServe canary takes two (export one with --variant)`,
    );
  }
  const champion = served.find((v) => v.name === spec.champion) ?? served[0]!;
  const challenger = served.find((v) => v !== champion);
  const predicted = challenger ?? champion;
  const total = served.reduce((sum, v) => sum + v.weight, 0);
  const name = kubernetesName(spec.name);
  if (name !== spec.name) notes.push(`the InferenceService is named '${name}' (Kubernetes names)`);
  if (challenger) {
    notes.push(
      `the predictor is the canary '${challenger.name}' at ${Math.round((100 * challenger.weight) / total)}%: apply the champion's manifest first (--variant ${champion.name}), then this one`,
    );
  }
  const model: Record<string, unknown> = {
    modelFormat: modelFormatOf(predicted.flavors),
    protocolVersion: 'v2',
    storageUri: predicted.storageUri,
  };
  if (spec.resources) model.resources = spec.resources;
  const predictor: Record<string, unknown> = {
    minReplicas: spec.replicas.min,
    maxReplicas: spec.replicas.max,
    ...(challenger ? { canaryTrafficPercent: Math.round((100 * challenger.weight) / total) } : {}),
    model,
  };
  return {
    manifest: {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name,
        labels: { 'app.kubernetes.io/managed-by': 'sextant' },
        annotations: {
          'sextant.io/deployment': spec.name,
          'sextant.io/model': predicted.model,
          'sextant.io/model-version': predicted.version,
          'sextant.io/variant': predicted.name,
        },
      },
      spec: { predictor },
    },
    notes,
  };
}

/**
 * Where KServe fetches a version's files: its `mlflow-artifacts:/` location under the artifact
 * root, or under `prefix` (e.g. `s3://bucket/artifacts`, where the artifact store is mirrored).
 */
export function storageUriOf(
  storageLocation: string,
  artifactRoot: string,
  prefix?: string,
): string {
  const relative = storageLocation.replace(/^mlflow-artifacts:\/*/, '');
  if (relative === storageLocation && /^[a-z][a-z0-9+.-]*:\/\//i.test(storageLocation)) {
    return storageLocation;
  }
  const root = (prefix ?? artifactRoot).replace(/\/+$/, '');
  return `${root}/${relative}`;
}
