import type { EvaluationArtifactPaths } from '../model/evaluation';

/** Where the evaluation's JSON artifacts go in its run. */
export const EVALUATION_ARTIFACTS = 'evaluation';

/** The worker's artifact file names, by the kind a view asks for. */
export const ARTIFACT_KINDS: Readonly<Record<string, keyof EvaluationArtifactPaths>> = {
  'roc_curve.json': 'rocCurve',
  'precision_recall_curve.json': 'precisionRecallCurve',
  'calibration_curve.json': 'calibrationCurve',
  'confusion_matrix.json': 'confusionMatrix',
  'residuals.json': 'residuals',
  'permutation_importance.json': 'permutationImportance',
  'shap_values.json': 'shapValues',
  'slices.json': 'slices',
  'gate.json': 'gate',
  'result.json': 'result',
};
