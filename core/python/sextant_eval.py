"""Sextant's model evaluation worker.

The engine starts it with the Python of the model's environment:

    python sextant_eval.py REQUEST.json

It loads the model with ``mlflow.pyfunc.load_model``, predicts on the eval dataset, computes the
metrics of ``mlflow.models.evaluate`` (same names) with scikit-learn, writes curves, the confusion
matrix, slices and explanations as JSON files into the request's ``output_dir``, and speaks one
JSON object per line on stdout:

    {"type": "progress", "stage": "...", "message": "...", "fraction": 0.5}
    {"type": "artifact", "path": "roc_curve.json"}
    {"type": "warning", "message": "..."}
    {"type": "result", "metrics": {...}, "slices": [...], "rows": 120}
    {"type": "error", "message": "..."}            (then exit code 1)

Anything the model or its libraries print goes to stderr, so stdout holds only these lines.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback

PROTOCOL = None  # the original stdout, set in main()
MAX_CURVE_POINTS = 2000
MAX_RESIDUAL_POINTS = 5000
MAX_SLICE_VALUES = 50


def emit(message: dict) -> None:
    PROTOCOL.write(json.dumps(message, allow_nan=False, default=_jsonable) + "\n")
    PROTOCOL.flush()


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def progress(stage: str, message: str, fraction: float | None = None) -> None:
    emit({"type": "progress", "stage": stage, "message": message, **({"fraction": fraction} if fraction is not None else {})})


def warn(message: str) -> None:
    emit({"type": "warning", "message": message})


class Output:
    """Writes the JSON artifacts into the output folder and announces each."""

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def write(self, name: str, content) -> None:
        with open(os.path.join(self.folder, name), "w") as handle:
            json.dump(_finite(content), handle, default=_jsonable, allow_nan=False)
        emit({"type": "artifact", "path": name})


def _finite(value):
    """JSON has no NaN or infinity: they become null."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return _finite(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_table(path: str):
    import pandas as pd

    lower = path.lower()
    if lower.endswith(".parquet") or lower.endswith(".pq"):
        return pd.read_parquet(path)
    if lower.endswith(".csv"):
        return pd.read_csv(path)
    raise ValueError(f"cannot read {path}: give a .csv or .parquet file")


def raw_model(pyfunc_model):
    """The underlying model (a scikit-learn estimator for the sklearn flavor), or None."""
    try:
        return pyfunc_model.get_raw_model()
    except Exception:  # noqa: BLE001 - flavors without a raw model
        return None


# ---- metrics, as mlflow.models.evaluate names them ----------------------------------------


def classifier_metrics(y_true, y_pred, proba, classes, pos_label, binary) -> dict:
    """The metrics of mlflow's default evaluator for a classifier, plus macro and micro averages.

    `binary` is decided on the whole dataset (two labels at most), so a slice is measured as the
    whole is.
    """
    import numpy as np
    from sklearn import metrics as sk

    labels = sorted(set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist()))
    average = "binary" if binary else "weighted"
    pos = pos_label if binary else None
    out = {
        "example_count": len(y_true),
        "accuracy_score": sk.accuracy_score(y_true, y_pred),
        "recall_score": sk.recall_score(y_true, y_pred, average=average, pos_label=pos),
        "precision_score": sk.precision_score(y_true, y_pred, average=average, pos_label=pos),
        "f1_score": sk.f1_score(y_true, y_pred, average=average, pos_label=pos),
    }
    for avg in ("macro", "micro"):
        out[f"recall_score_{avg}"] = sk.recall_score(y_true, y_pred, average=avg)
        out[f"precision_score_{avg}"] = sk.precision_score(y_true, y_pred, average=avg)
        out[f"f1_score_{avg}"] = sk.f1_score(y_true, y_pred, average=avg)
    if binary and len(labels) == 2 and pos_label in labels:
        # As mlflow: the positive label last, so tp counts the positive class.
        ordered = [label for label in labels if label != pos_label] + [pos_label]
        tn, fp, fn, tp = sk.confusion_matrix(y_true, y_pred, labels=ordered).ravel()
        out.update(true_negatives=tn, false_positives=fp, false_negatives=fn, true_positives=tp)
    if proba is not None:
        try:
            out["log_loss"] = sk.log_loss(y_true, proba, labels=classes)
        except ValueError as error:
            warn(f"log_loss: {error}")
        try:
            if binary:
                score = proba[:, list(classes).index(pos_label)]
                out["roc_auc"] = sk.roc_auc_score(np.asarray(y_true) == pos_label, score)
                out["precision_recall_auc"] = sk.average_precision_score(y_true, score, pos_label=pos_label)
            else:
                out["roc_auc"] = sk.roc_auc_score(
                    y_true, proba, average="weighted", multi_class="ovr", labels=classes
                )
        except ValueError as error:
            warn(f"roc_auc: {error}")
    return {k: float(v) for k, v in out.items()}


def regressor_metrics(y_true, y_pred) -> dict:
    """The metrics of mlflow's default evaluator for a regressor."""
    import numpy as np
    from sklearn import metrics as sk

    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    mse = sk.mean_squared_error(y_true, y_pred)
    total = float(y_true.sum())
    out = {
        "example_count": len(y_true),
        "mean_absolute_error": sk.mean_absolute_error(y_true, y_pred),
        "mean_squared_error": mse,
        "root_mean_squared_error": sk.root_mean_squared_error(y_true, y_pred),
        "sum_on_target": total,
        "mean_on_target": total / len(y_true),
        "r2_score": sk.r2_score(y_true, y_pred),
        "max_error": sk.max_error(y_true, y_pred),
        "mean_absolute_percentage_error": sk.mean_absolute_percentage_error(y_true, y_pred),
    }
    return {k: float(v) for k, v in out.items()}


# ---- curves --------------------------------------------------------------------------------


def _thin(*columns):
    """At most MAX_CURVE_POINTS points, evenly spaced, first and last kept."""
    import numpy as np

    n = len(columns[0])
    if n <= MAX_CURVE_POINTS:
        return [np.asarray(c).tolist() for c in columns]
    keep = np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(int))
    return [np.asarray(c)[keep].tolist() for c in columns]


def classifier_curves(out: Output, y_true, y_pred, proba, classes, pos_label) -> None:
    import numpy as np
    from sklearn import metrics as sk
    from sklearn.calibration import calibration_curve

    labels = sorted(set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist()))
    matrix = sk.confusion_matrix(y_true, y_pred, labels=labels)
    out.write("confusion_matrix.json", {"labels": labels, "matrix": matrix.tolist()})
    if proba is None:
        return
    y = np.asarray(y_true)
    binary = len(classes) == 2
    targets = [pos_label] if binary else list(classes)
    roc, pr, calibration = [], [], []
    for label in targets:
        score = proba[:, list(classes).index(label)]
        positive = y == label
        if positive.all() or not positive.any():
            continue
        fpr, tpr, thresholds = sk.roc_curve(positive, score)
        fpr, tpr, thresholds = _thin(fpr, tpr, thresholds)
        roc.append({"label": label, "fpr": fpr, "tpr": tpr, "thresholds": thresholds,
                    "auc": sk.roc_auc_score(positive, score)})
        precision, recall, thresholds = sk.precision_recall_curve(positive, score)
        precision, recall, thresholds = _thin(precision, recall, np.append(thresholds, np.nan))
        pr.append({"label": label, "precision": precision, "recall": recall, "thresholds": thresholds,
                   "average_precision": sk.average_precision_score(positive, score)})
        prob_true, prob_pred = calibration_curve(positive, score, n_bins=10, strategy="uniform")
        counts = np.histogram(score, bins=np.linspace(0.0, 1.0, 11))[0]
        calibration.append({"label": label, "mean_predicted": prob_pred.tolist(),
                            "fraction_positive": prob_true.tolist(),
                            "bin_counts": counts[counts > 0].tolist()})
    out.write("roc_curve.json", {"curves": roc})
    out.write("precision_recall_curve.json", {"curves": pr})
    out.write("calibration_curve.json", {"n_bins": 10, "curves": calibration})


def residuals(out: Output, y_true, y_pred) -> None:
    import numpy as np

    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    index = np.arange(len(y_true))
    if len(index) > MAX_RESIDUAL_POINTS:
        index = np.random.default_rng(0).choice(index, MAX_RESIDUAL_POINTS, replace=False)
        index.sort()
    residual = y_true - y_pred
    counts, edges = np.histogram(residual, bins=30)
    out.write("residuals.json", {
        "row": index.tolist(),
        "actual": y_true[index].tolist(),
        "predicted": y_pred[index].tolist(),
        "residual": residual[index].tolist(),
        "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
    })


# ---- interpretability ----------------------------------------------------------------------


class _Predictor:
    """The pyfunc model as scikit-learn's permutation_importance wants an estimator."""

    def __init__(self, model):
        self.model = model

    def fit(self, *_args, **_kwargs):  # pragma: no cover - never called
        raise NotImplementedError

    def predict(self, frame):
        return _predictions(self.model.predict(frame))


def permutation(out: Output, model, features, y_true, task: str, seed: int, repeats: int) -> None:
    import numpy as np
    from sklearn import metrics as sk
    from sklearn.inspection import permutation_importance

    if task == "classifier":
        scoring, name = (lambda est, X, y: sk.accuracy_score(y, est.predict(X))), "accuracy_score"
    else:
        scoring, name = (lambda est, X, y: sk.r2_score(y, est.predict(X))), "r2_score"
    result = permutation_importance(
        _Predictor(model), features, np.asarray(y_true), scoring=scoring, n_repeats=repeats, random_state=seed
    )
    out.write("permutation_importance.json", {
        "scoring": name,
        "n_repeats": repeats,
        "random_state": seed,
        "features": [str(c) for c in features.columns],
        "importances_mean": result.importances_mean.tolist(),
        "importances_std": result.importances_std.tolist(),
    })


TREE_MODULES = ("sklearn.ensemble", "sklearn.tree", "xgboost", "lightgbm", "catboost")


def is_tree_model(raw) -> bool:
    module = type(raw).__module__
    name = type(raw).__name__
    if not module.startswith(TREE_MODULES):
        return False
    return "Tree" in name or "Forest" in name or "GradientBoosting" in name or module.startswith(TREE_MODULES[2:])


def tree_of(raw, features):
    """The tree model to explain and the features it sees: the model itself, or the last step of a
    scikit-learn Pipeline, with the features transformed by the steps before it. (None, None) else."""
    import numpy as np
    import pandas as pd

    if raw is None:
        return None, None
    if is_tree_model(raw):
        return raw, features
    steps = getattr(raw, "steps", None)
    if not steps or not is_tree_model(steps[-1][1]) or type(raw).__name__ != "Pipeline":
        return None, None
    head = raw[:-1]
    transformed = head.transform(features)
    if hasattr(transformed, "toarray"):
        transformed = transformed.toarray()
    transformed = np.asarray(transformed)
    try:
        names = [str(n) for n in head.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - a step without feature names
        names = [f"x{i}" for i in range(transformed.shape[1])]
    return steps[-1][1], pd.DataFrame(transformed, columns=names, index=features.index)


def shap_values(out: Output, raw, features, rows: int, max_rows: int, transformed: bool = False) -> None:
    """Global mean |SHAP| per feature (and output) over the first `max_rows` rows, and the values of the first `rows`."""
    import numpy as np
    import shap

    sample = features.iloc[:max_rows]
    explainer = shap.TreeExplainer(raw)
    values = np.asarray(explainer.shap_values(sample))
    if values.ndim == 2:
        values = values[:, :, np.newaxis]
    base = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float))
    classes = getattr(raw, "classes_", None)
    out.write("shap_values.json", {
        "explainer": "TreeExplainer",
        "explained_model": type(raw).__name__,
        # The features are those the tree sees: a Pipeline's steps before it have transformed them.
        "pipeline_transformed": transformed,
        "features": [str(c) for c in features.columns],
        "outputs": [str(c) for c in classes] if classes is not None and values.shape[2] == len(classes) else None,
        "rows_explained": int(len(sample)),
        "mean_abs_shap": np.abs(values).mean(axis=0).tolist(),
        "expected_value": base.tolist(),
        "rows": {
            "index": list(range(min(rows, len(sample)))),
            "values": values[:rows].tolist(),
        },
    })


# ---- the evaluation ------------------------------------------------------------------------


def model_inputs(model, frame, target: str, drop: list):
    """The columns the model takes: its signature's inputs when it names them, else all but the
    target and `drop` (so a slice column that is no feature can stay in the eval set)."""
    names = None
    try:
        schema = model.metadata.get_input_schema()
        if schema is not None and schema.has_input_names():
            names = schema.input_names()
    except Exception:  # noqa: BLE001 - a model without a readable signature
        names = None
    if names:
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise ValueError(f"the eval dataset lacks the model's input columns: {', '.join(map(str, missing))}")
        return frame[names]
    return frame.drop(columns=[target, *[c for c in drop if c in frame.columns and c != target]])


def _predictions(raw_output):
    """The model's output as a 1-D array (the first column of a frame or a 2-D array)."""
    import numpy as np
    import pandas as pd

    if isinstance(raw_output, pd.DataFrame):
        raw_output = raw_output.iloc[:, 0]
    array = np.asarray(raw_output)
    if array.ndim == 2:
        array = array[:, 0]
    return array


def evaluate(request: dict) -> None:
    import numpy as np

    out = Output(request["output_dir"])
    task = request["task"]
    target = request["target"]
    progress("load_model", f"loading the model from {request['model_dir']}", 0.05)
    import mlflow.pyfunc

    model = mlflow.pyfunc.load_model(request["model_dir"])
    raw = raw_model(model)

    progress("load_data", f"reading {request['data_path']}", 0.15)
    frame = read_table(request["data_path"])
    if target not in frame.columns:
        raise ValueError(f"the eval dataset has no column '{target}' (columns: {', '.join(map(str, frame.columns))})")
    slice_column = request.get("slice_column")
    if slice_column and slice_column not in frame.columns:
        raise ValueError(f"the eval dataset has no column '{slice_column}' to slice by")
    y_true = frame[target].to_numpy()
    features = model_inputs(model, frame, target, request.get("drop_columns") or [])

    progress("predict", f"predicting {len(features)} rows", 0.3)
    y_pred = _predictions(model.predict(features))
    proba, classes, pos_label = None, None, None
    if task == "classifier":
        if raw is not None and hasattr(raw, "predict_proba") and hasattr(raw, "classes_"):
            try:
                proba = np.asarray(raw.predict_proba(features))
                classes = list(np.asarray(raw.classes_).tolist())
            except Exception as error:  # noqa: BLE001 - a model whose predict_proba fails
                warn(f"predict_proba failed, so no log_loss, ROC or PR: {error}")
        else:
            warn("the model has no predict_proba, so no log_loss, ROC or PR")
        labels = sorted(set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist()))
        pos_label = request.get("pos_label")
        if pos_label is None:
            pos_label = labels[-1]  # mlflow's default: the greatest label
        binary = len(labels) <= 2

    progress("metrics", "computing metrics", 0.45)
    if task == "classifier":
        metrics = classifier_metrics(y_true, y_pred, proba, classes, pos_label, binary)
    else:
        metrics = regressor_metrics(y_true, y_pred)

    progress("curves", "computing curves", 0.55)
    if task == "classifier":
        classifier_curves(out, y_true, y_pred, proba, classes, pos_label)
    else:
        residuals(out, y_true, y_pred)

    slices = []
    if slice_column:
        progress("slices", f"metrics per value of {slice_column}", 0.6)
        column = frame[slice_column]
        values = column.dropna().unique().tolist()
        if len(values) > MAX_SLICE_VALUES:
            warn(f"{slice_column} has {len(values)} values; metrics are given for the {MAX_SLICE_VALUES} most frequent")
            values = column.value_counts().index[:MAX_SLICE_VALUES].tolist()
        for value in sorted(values, key=str):
            mask = (column == value).to_numpy()
            part_proba = proba[mask] if proba is not None else None
            try:
                if task == "classifier":
                    part = classifier_metrics(y_true[mask], y_pred[mask], part_proba, classes, pos_label, binary)
                else:
                    part = regressor_metrics(y_true[mask], y_pred[mask])
            except ValueError as error:
                warn(f"slice {slice_column}={value}: {error}")
                continue
            slices.append({"column": slice_column, "value": str(value), "rows": int(mask.sum()),
                           "metrics": {k: v for k, v in part.items() if math.isfinite(v)}})
        out.write("slices.json", {"column": slice_column, "slices": slices})

    if request.get("permutation_importance", True):
        progress("permutation_importance", "permutation importance", 0.7)
        try:
            permutation(out, model, features, y_true, task, int(request.get("seed", 0)),
                        int(request.get("permutation_repeats", 5)))
        except Exception as error:  # noqa: BLE001 - reported, the evaluation goes on
            warn(f"permutation importance failed: {error}")

    if request.get("shap", True):
        tree, tree_features = tree_of(raw, features)
        if tree is not None:
            progress("shap", "SHAP values (TreeExplainer)", 0.85)
            try:
                shap_values(out, tree, tree_features, int(request.get("shap_rows", 5)),
                            int(request.get("shap_max_rows", 1000)), tree is not raw)
            except ImportError:
                warn("SHAP values need the 'shap' package in the model's environment")
            except Exception as error:  # noqa: BLE001 - reported, the evaluation goes on
                warn(f"SHAP values failed: {error}")
        else:
            warn("SHAP values are computed for tree models only; this model is "
                 + (type(raw).__name__ if raw is not None else "not a scikit-learn model"))

    emit({
        "type": "result",
        "rows": int(len(frame)),
        "metrics": {k: v for k, v in metrics.items() if math.isfinite(v)},
        "slices": slices,
    })


def main() -> int:
    global PROTOCOL
    # Protocol lines go to the real stdout; everything else printed (by the model, its libraries,
    # C extensions) goes to stderr.
    PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if len(sys.argv) != 2:
        emit({"type": "error", "message": "usage: sextant_eval.py REQUEST.json"})
        return 2
    try:
        with open(sys.argv[1]) as handle:
            request = json.load(handle)
        evaluate(request)
        return 0
    except Exception as error:  # noqa: BLE001 - every failure is reported on the protocol
        traceback.print_exc(file=sys.stderr)
        emit({"type": "error", "message": f"{type(error).__name__}: {error}"})
        return 1


if __name__ == "__main__":
    sys.exit(main())
