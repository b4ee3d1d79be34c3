"""`sextant evaluate` on real scikit-learn models logged with the real mlflow client.

Each model is trained on a scikit-learn dataset and logged into the session's Sextant server;
`sextant evaluate` (the CLI, on the server's store) scores it in its Python worker and records
an evaluation run. The recorded values, read back through the mlflow client, must equal
scikit-learn's own functions on the same predictions (to 1e-9), and SHAP values the `shap`
package's TreeExplainer on the same rows.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from conftest import REPO, SEXTANT_BIN

TOL = 1e-9
TREE_TYPES = ["sklearn.tree._tree.Tree"]


def _evaluate(sextant, *args: str, expect_rc: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "evaluate", "--store", str(sextant.store),
         "--python", sys.executable, *args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == expect_rc, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def _log_model(model, X_train, experiment: str) -> str:
    import mlflow
    import mlflow.sklearn

    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(
            model, name="model", input_example=X_train.iloc[:3], skops_trusted_types=TREE_TYPES
        )
    return run.info.run_id


def _artifact_json(client, run_id: str, path: str, tmp_path) -> dict:
    local = client.download_artifacts(run_id, path, str(tmp_path))
    with open(local) as handle:
        return json.load(handle)


def _assert_close(recorded: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert key in recorded, f"{key} was not recorded (recorded: {sorted(recorded)})"
        assert abs(recorded[key] - value) <= TOL, f"{key}: recorded {recorded[key]}, scikit-learn {value}"


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    """A logistic regression and a random forest on breast cancer, and an eval CSV with a slice column."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
    forest = RandomForestClassifier(n_estimators=25, max_depth=5, random_state=0).fit(X_train, y_train)
    folder = tmp_path_factory.mktemp("eval-binary")
    frame = X_test.copy()
    frame["label"] = y_test
    frame["size"] = np.where(frame["mean radius"] > 14, "large", "small")
    csv = folder / "eval.csv"
    frame.to_csv(csv, index=False)
    return {"X_train": X_train, "logistic": logistic, "forest": forest, "csv": csv}


def _classifier_expectations(model, features, y_true) -> dict:
    y_pred = model.predict(features)
    proba = model.predict_proba(features)
    score = proba[:, list(model.classes_).index(1)]
    tn, fp, fn, tp = sk.confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return {
        "example_count": len(y_true),
        "accuracy_score": sk.accuracy_score(y_true, y_pred),
        "precision_score": sk.precision_score(y_true, y_pred),
        "recall_score": sk.recall_score(y_true, y_pred),
        "f1_score": sk.f1_score(y_true, y_pred),
        "f1_score_macro": sk.f1_score(y_true, y_pred, average="macro"),
        "f1_score_micro": sk.f1_score(y_true, y_pred, average="micro"),
        "precision_score_macro": sk.precision_score(y_true, y_pred, average="macro"),
        "recall_score_macro": sk.recall_score(y_true, y_pred, average="macro"),
        "log_loss": sk.log_loss(y_true, proba, labels=model.classes_),
        "roc_auc": sk.roc_auc_score(y_true, score),
        "precision_recall_auc": sk.average_precision_score(y_true, score),
        "true_negatives": tn,
        "false_positives": fp,
        "false_negatives": fn,
        "true_positives": tp,
    }


def test_logistic_regression_metrics_equal_scikit_learns(sextant, client, binary, tmp_path):
    import mlflow.pyfunc

    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    run_id = _log_model(binary["logistic"], binary["X_train"], experiment)
    done = _evaluate(
        sextant, "--model", f"runs:/{run_id}/model", "--data", str(binary["csv"]),
        "--target", "label", "--task", "classifier", "--experiment", f"{experiment}-evals",
        "--slice", "size", "--json",
    )
    result = json.loads(done.stdout)
    assert "%] predicting" in done.stderr  # progress on stderr

    frame = pd.read_csv(binary["csv"])
    y_true = frame["label"].to_numpy()
    features = frame[binary["X_train"].columns]
    # The predictions the engine's worker made come from the same pyfunc model.
    loaded = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    assert (loaded.predict(features) == binary["logistic"].predict(features)).all()
    expected = _classifier_expectations(binary["logistic"], features, y_true)

    run = client.get_run(result["runId"])
    _assert_close(run.data.metrics, expected)
    _assert_close(result["metrics"], expected)
    tags = run.data.tags
    assert tags["sextant.evaluation"] == "true"
    assert tags["sextant.evaluation.model_uri"] == f"runs:/{run_id}/model"
    assert tags["sextant.evaluation.dataset_sha256"] == hashlib.sha256(binary["csv"].read_bytes()).hexdigest()
    assert tags["sextant.evaluation.task"] == "classifier"
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == f"{experiment}-evals"
    inputs = run.inputs.dataset_inputs
    assert [d.dataset.name for d in inputs] == ["eval.csv"]
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "evaluation"

    # Slices: the same metrics on the rows of each value.
    slices = {s["value"]: s for s in result["slices"]}
    assert set(slices) == {"large", "small"}
    for value, part in slices.items():
        mask = (frame["size"] == value).to_numpy()
        assert part["rows"] == int(mask.sum())
        _assert_close(part["metrics"], {
            "accuracy_score": sk.accuracy_score(y_true[mask], binary["logistic"].predict(features[mask])),
            "f1_score": sk.f1_score(y_true[mask], binary["logistic"].predict(features[mask])),
        })
    stored_slices = _artifact_json(client, result["runId"], "evaluation/slices.json", tmp_path)
    assert stored_slices["slices"] == result["slices"]

    # Curves and the confusion matrix, as JSON a chart can draw.
    matrix = _artifact_json(client, result["runId"], "evaluation/confusion_matrix.json", tmp_path)
    assert matrix["matrix"] == sk.confusion_matrix(y_true, binary["logistic"].predict(features)).tolist()
    roc = _artifact_json(client, result["runId"], "evaluation/roc_curve.json", tmp_path)["curves"][0]
    fpr, tpr, _ = sk.roc_curve(y_true, binary["logistic"].predict_proba(features)[:, 1])
    assert np.allclose(roc["fpr"], fpr, atol=TOL) and np.allclose(roc["tpr"], tpr, atol=TOL)
    assert abs(roc["auc"] - expected["roc_auc"]) <= TOL
    for name in ("precision_recall_curve.json", "calibration_curve.json", "permutation_importance.json"):
        assert f"evaluation/{name}" in result["artifacts"]
    # A logistic regression is no tree: no SHAP values, and a warning that says so.
    assert "evaluation/shap_values.json" not in result["artifacts"]
    assert any("tree models only" in w for w in result["warnings"])


def test_random_forest_shap_values_equal_the_shap_package(sextant, client, binary, tmp_path):
    import shap
    from sklearn.inspection import permutation_importance

    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    forest = binary["forest"]
    run_id = _log_model(forest, binary["X_train"], experiment)
    done = _evaluate(
        sextant, "--model", f"runs:/{run_id}/model", "--data", str(binary["csv"]),
        "--target", "label", "--task", "classifier", "--experiment", experiment, "--json",
    )
    result = json.loads(done.stdout)
    frame = pd.read_csv(binary["csv"])
    features = frame[binary["X_train"].columns]
    _assert_close(client.get_run(result["runId"]).data.metrics,
                  _classifier_expectations(forest, features, frame["label"].to_numpy()))

    stored = _artifact_json(client, result["runId"], "evaluation/shap_values.json", tmp_path)
    values = np.asarray(shap.TreeExplainer(forest).shap_values(features.iloc[: stored["rows_explained"]]))
    assert stored["rows_explained"] == len(features)
    assert stored["features"] == list(features.columns)
    assert stored["outputs"] == ["0", "1"]
    assert values.shape == (len(features), features.shape[1], 2)
    assert np.allclose(np.asarray(stored["mean_abs_shap"]), np.abs(values).mean(axis=0), rtol=0, atol=TOL)
    rows = np.asarray(stored["rows"]["values"])
    assert np.allclose(rows, values[: len(rows)], rtol=0, atol=TOL)

    # Permutation importance is seeded: scikit-learn's own with the same seed gives the same.
    importance = _artifact_json(client, result["runId"], "evaluation/permutation_importance.json", tmp_path)
    own = permutation_importance(forest, features, frame["label"].to_numpy(), scoring="accuracy",
                                 n_repeats=importance["n_repeats"], random_state=importance["random_state"])
    assert np.allclose(importance["importances_mean"], own.importances_mean, rtol=0, atol=TOL)


def test_regressor_on_parquet_metrics_equal_scikit_learns(sextant, client, tmp_path):
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=1)
    model = GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X_train, y_train)
    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    run_id = _log_model(model, X_train, experiment)
    frame = X_test.copy()
    frame["progression"] = y_test
    parquet = tmp_path / "eval.parquet"
    frame.to_parquet(parquet, index=False)

    done = _evaluate(
        sextant, "--model", f"runs:/{run_id}/model", "--data", str(parquet),
        "--target", "progression", "--task", "regressor", "--experiment", experiment, "--json",
    )
    result = json.loads(done.stdout)
    y_true = y_test.to_numpy()
    y_pred = model.predict(X_test)
    expected = {
        "example_count": len(y_true),
        "mean_absolute_error": sk.mean_absolute_error(y_true, y_pred),
        "mean_squared_error": sk.mean_squared_error(y_true, y_pred),
        "root_mean_squared_error": sk.root_mean_squared_error(y_true, y_pred),
        "r2_score": sk.r2_score(y_true, y_pred),
        "max_error": sk.max_error(y_true, y_pred),
        "mean_absolute_percentage_error": sk.mean_absolute_percentage_error(y_true, y_pred),
        "sum_on_target": float(y_true.sum()),
        "mean_on_target": float(y_true.mean()),
    }
    run = client.get_run(result["runId"])
    _assert_close(run.data.metrics, expected)
    assert run.data.tags["sextant.evaluation.dataset_sha256"] == hashlib.sha256(parquet.read_bytes()).hexdigest()
    residuals = _artifact_json(client, result["runId"], "evaluation/residuals.json", tmp_path)
    assert np.allclose(residuals["residual"], y_true - y_pred, rtol=0, atol=TOL)
    shap_values = _artifact_json(client, result["runId"], "evaluation/shap_values.json", tmp_path)
    import shap

    own = np.asarray(shap.TreeExplainer(model).shap_values(X_test))
    assert np.allclose(np.asarray(shap_values["mean_abs_shap"])[:, 0], np.abs(own).mean(axis=0), rtol=0, atol=TOL)


def test_gate_against_a_baseline_passes_and_fails_with_mlflows_semantics(sextant, client, binary, tmp_path):
    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    logistic_run = _log_model(binary["logistic"], binary["X_train"], experiment)
    forest_run = _log_model(binary["forest"], binary["X_train"], experiment)
    common = ["--data", str(binary["csv"]), "--target", "label", "--task", "classifier",
              "--experiment", experiment, "--no-shap", "--no-permutation", "--json"]
    baseline = json.loads(_evaluate(sextant, "--model", f"runs:/{forest_run}/model", *common).stdout)

    # The candidate must reach 0.9 accuracy and not lose more than 0.5 of log loss: passes.
    passing = json.loads(_evaluate(
        sextant, "--model", f"runs:/{logistic_run}/model", *common, "--baseline", baseline["runId"],
        "--threshold", "accuracy_score>=0.9", "log_loss<=0.5",
    ).stdout)
    assert passing["gate"]["passed"] is True
    run = client.get_run(passing["runId"])
    assert run.data.tags["sextant.evaluation.gate"] == "passed"
    assert run.data.tags["sextant.evaluation.gate_baseline_run_id"] == baseline["runId"]
    assert run.data.metrics["gate_passed"] == 1.0
    stored = _artifact_json(client, passing["runId"], "evaluation/gate.json", tmp_path)
    assert stored == passing["gate"]

    # An improvement of 50% in accuracy over the baseline cannot happen: fails, exit code 1.
    failed = _evaluate(
        sextant, "--model", f"runs:/{logistic_run}/model", *common, "--baseline", baseline["runId"],
        "--threshold", "accuracy_score>=+50%", expect_rc=1,
    )
    verdict = json.loads(failed.stdout)["gate"]
    assert verdict["passed"] is False
    [metric] = verdict["metrics"]
    assert metric["baseline"] == baseline["metrics"]["accuracy_score"]
    assert metric["threshold"]["minRelativeChange"] == 0.5
    assert client.get_run(json.loads(failed.stdout)["runId"]).data.tags["sextant.evaluation.gate"] == "failed"


def test_errors_are_reported_and_the_run_marked_failed(sextant, client, binary):
    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    run_id = _log_model(binary["logistic"], binary["X_train"], experiment)
    done = _evaluate(
        sextant, "--model", f"runs:/{run_id}/model", "--data", str(binary["csv"]),
        "--target", "no_such_column", "--task", "classifier", "--experiment", experiment, expect_rc=1,
    )
    assert "no column 'no_such_column'" in done.stderr
    exp = client.get_experiment_by_name(experiment)
    [failed] = client.search_runs([exp.experiment_id], filter_string="tags.`sextant.evaluation` = 'true'")
    assert failed.info.status == "FAILED"
    assert "no_such_column" in failed.data.tags["sextant.evaluation.error"]

    missing = _evaluate(
        sextant, "--model", f"runs:/{run_id}/nothing", "--data", str(binary["csv"]),
        "--target", "label", "--task", "classifier", expect_rc=1,
    )
    assert "has no model at 'nothing'" in missing.stderr


def test_multiclass_forest_by_logged_model_id_metrics_equal_scikit_learns(sextant, client, tmp_path):
    """Iris: weighted averages and one-vs-rest ROC AUC as mlflow's evaluator; the model named by its
    MLflow 3 logged model id (models:/m-...)."""
    import mlflow
    import mlflow.sklearn
    import shap
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X, y = load_iris(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=3)
    forest = RandomForestClassifier(n_estimators=15, max_depth=3, random_state=0).fit(X_train, y_train)
    mlflow.set_experiment(f"eval-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(forest, name="iris", input_example=X_train.iloc[:3],
                                        skops_trusted_types=TREE_TYPES)
    frame = X_test.copy()
    frame["species"] = y_test
    csv = tmp_path / "iris.csv"
    frame.to_csv(csv, index=False)

    result = json.loads(_evaluate(
        sextant, "--model", f"models:/{info.model_id}", "--data", str(csv), "--target", "species",
        "--task", "classifier", "--no-permutation", "--json",
    ).stdout)
    y_true = y_test.to_numpy()
    y_pred = forest.predict(X_test)
    proba = forest.predict_proba(X_test)
    expected = {
        "accuracy_score": sk.accuracy_score(y_true, y_pred),
        "precision_score": sk.precision_score(y_true, y_pred, average="weighted"),
        "recall_score": sk.recall_score(y_true, y_pred, average="weighted"),
        "f1_score": sk.f1_score(y_true, y_pred, average="weighted"),
        "f1_score_macro": sk.f1_score(y_true, y_pred, average="macro"),
        "f1_score_micro": sk.f1_score(y_true, y_pred, average="micro"),
        "log_loss": sk.log_loss(y_true, proba, labels=forest.classes_),
        "roc_auc": sk.roc_auc_score(y_true, proba, average="weighted", multi_class="ovr"),
    }
    run = client.get_run(result["runId"])
    _assert_close(run.data.metrics, expected)
    assert "true_positives" not in run.data.metrics  # binary only, as mlflow
    assert [m.model_id for m in run.inputs.model_inputs] == [info.model_id]
    roc = _artifact_json(client, result["runId"], "evaluation/roc_curve.json", tmp_path)
    assert [c["label"] for c in roc["curves"]] == [0, 1, 2]
    stored = _artifact_json(client, result["runId"], "evaluation/shap_values.json", tmp_path)
    own = np.asarray(shap.TreeExplainer(forest).shap_values(X_test))
    assert own.shape == (len(X_test), 4, 3)
    assert np.allclose(np.asarray(stored["mean_abs_shap"]), np.abs(own).mean(axis=0), rtol=0, atol=TOL)


def test_gate_verdicts_equal_mlflows_validate():
    """Sextant's gate (core/dist/evaluation/gate.js) and mlflow's own validation, on one grid."""
    from mlflow.models.evaluation.validation import MetricThreshold, _validate

    cases = []
    for greater in (True, False):
        for candidate, baseline in ((0.9, 0.8), (0.85, 0.8), (0.8, 0.8), (0.7, 0.8), (-0.39, -0.5),
                                    (0.001, 0.0), (0.0, 0.0), (-0.001, 0.0), (0.44, 0.5), (0.5, 0.44)):
            for bounds in ({"threshold": 0.8}, {"min_absolute_change": 0.05}, {"min_relative_change": 0.1},
                           {"threshold": 0.75, "min_absolute_change": 0.01, "min_relative_change": 0.02}):
                cases.append({"greater": greater, "candidate": candidate, "baseline": baseline, **bounds})
    script = (
        "const { applyGate } = require('./core/dist/evaluation/gate.js');"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(cases.map((c) => applyGate([{ metric: 'm', greaterIsBetter: c.greater,"
        " ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),"
        " ...(c.min_absolute_change !== undefined ? { minAbsoluteChange: c.min_absolute_change } : {}),"
        " ...(c.min_relative_change !== undefined ? { minRelativeChange: c.min_relative_change } : {}) }],"
        " { m: c.candidate }, { runId: 'b', metrics: { m: c.baseline } }).passed)));"
    )
    done = subprocess.run(["node", "-e", script], input=json.dumps(cases), cwd=REPO,
                          capture_output=True, text=True, check=True)
    sextant_verdicts = json.loads(done.stdout)

    def mlflow_verdict(case) -> bool:
        bounds = {k: case[k] for k in ("threshold", "min_absolute_change", "min_relative_change") if k in case}
        try:
            _validate({"m": MetricThreshold(greater_is_better=case["greater"], **bounds)},
                      {"m": case["candidate"]}, {"m": case["baseline"]})
            return True
        except Exception:  # noqa: BLE001 - ModelValidationFailedException
            return False

    disagreements = [(c, s) for c, s in zip(cases, sextant_verdicts) if mlflow_verdict(c) != s]
    assert len(cases) == 80
    assert not disagreements, disagreements


@pytest.mark.parametrize("case", ["binary-strings", "multiclass", "regressor"])
def test_metrics_equal_mlflow_models_evaluate(sextant, tmp_path, case):
    """The same model and eval set through mlflow.models.evaluate (logging into Sextant) and
    `sextant evaluate`: every metric mlflow computes (but its `score`) has the same name and value."""
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
    from sklearn.linear_model import LinearRegression, LogisticRegression

    extra = []
    config = {"log_model_explainability": False}
    if case == "binary-strings":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        y = pd.Series(np.where(y == 1, "benign", "malignant"))
        model, task = LogisticRegression(max_iter=5000), "classifier"
        extra, config["pos_label"] = ["--pos-label", "benign"], "benign"
    elif case == "multiclass":
        X, y = load_iris(return_X_y=True, as_frame=True)
        model, task = LogisticRegression(max_iter=1000), "classifier"
    else:
        X, y = load_diabetes(return_X_y=True, as_frame=True)
        model, task = LinearRegression(), "regressor"
    rows = np.random.default_rng(0).permutation(len(X))
    train, test = rows[: len(X) // 2], rows[len(X) // 2:]
    model.fit(X.iloc[train], y.iloc[train])
    folder = tmp_path / "model"
    mlflow.sklearn.save_model(model, str(folder), signature=infer_signature(X.iloc[:5], model.predict(X.iloc[:5])))
    frame = X.iloc[test].copy()
    frame["y"] = y.iloc[test].to_numpy()
    csv = tmp_path / "eval.csv"
    frame.to_csv(csv, index=False)

    mlflow.set_experiment(f"eval-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run():
        theirs = mlflow.models.evaluate(str(folder), pd.read_csv(csv), targets="y", model_type=task,
                                        evaluator_config=config).metrics
    ours = json.loads(_evaluate(
        sextant, "--model", str(folder), "--data", str(csv), "--target", "y", "--task", task,
        "--no-shap", "--no-permutation", "--json", *extra,
    ).stdout)["metrics"]
    theirs = {k: float(v) for k, v in theirs.items() if k != "score"}
    assert len(theirs) >= 6
    _assert_close(ours, theirs)


def test_shap_explains_the_tree_at_the_end_of_a_pipeline(sextant, client, binary, tmp_path):
    """A scikit-learn Pipeline (scaler, then a forest): SHAP values of the forest on the features
    as the scaler hands them over, equal to shap's TreeExplainer on the same."""
    import shap
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_train = binary["X_train"]
    frame = pd.read_csv(binary["csv"])
    y_train = binary["forest"].predict(X_train)  # any labels will do for the explanation
    pipeline = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=8, random_state=0))
    pipeline.fit(X_train, y_train)
    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    run_id = _log_model(pipeline, X_train, experiment)
    result = json.loads(_evaluate(
        sextant, "--model", f"runs:/{run_id}/model", "--data", str(binary["csv"]), "--target", "label",
        "--task", "classifier", "--no-permutation", "--json",
    ).stdout)
    stored = _artifact_json(client, result["runId"], "evaluation/shap_values.json", tmp_path)
    assert stored["pipeline_transformed"] is True and stored["explained_model"] == "RandomForestClassifier"
    seen = pipeline[:-1].transform(frame[X_train.columns])
    own = np.asarray(shap.TreeExplainer(pipeline[-1]).shap_values(seen))
    assert stored["features"] == list(X_train.columns)
    assert np.allclose(np.asarray(stored["mean_abs_shap"]), np.abs(own).mean(axis=0), rtol=0, atol=TOL)


def test_gate_against_the_champion_sets_the_challenger_alias(sextant, client, binary):
    """`sextant evaluate models:/NAME/2 --baseline-alias champion --on-pass-alias challenger`: the
    champion is evaluated on the same eval set, the gate measured against it, and a passing gate
    moves `challenger` as a registry event the mlflow client sees; a failing one moves nothing."""
    import mlflow

    frame = pd.read_csv(binary["csv"])
    features, y_true = frame[binary["X_train"].columns], frame["label"].to_numpy()
    scored = sorted(
        ("logistic", "forest"),
        key=lambda key: sk.accuracy_score(y_true, binary[key].predict(features)),
    )
    weaker, stronger = (binary[key] for key in scored)
    gain = sk.accuracy_score(y_true, stronger.predict(features)) - sk.accuracy_score(
        y_true, weaker.predict(features))
    assert gain > 0.001
    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    name = f"churn-{uuid.uuid4().hex[:8]}"
    for model in (weaker, stronger):
        mlflow.register_model(f"runs:/{_log_model(model, binary['X_train'], experiment)}/model", name)
    client.set_registered_model_alias(name, "champion", "1")
    common = ["--data", str(binary["csv"]), "--target", "label", "--task", "classifier",
              "--experiment", experiment, "--eval-set", "breast-cancer", "--no-shap",
              "--no-permutation", "--json", "--baseline-alias", "champion",
              "--on-pass-alias", "challenger"]

    passing = json.loads(_evaluate(
        sextant, "--model", f"models:/{name}/2", *common, "--reason", "beats the champion",
        "--threshold", "accuracy_score>=0.9", "accuracy_score>=+0.001",
    ).stdout)
    assert passing["gate"]["passed"] is True
    assert passing["aliasSet"] == {"name": name, "alias": "challenger", "version": "2"}
    assert client.get_model_version_by_alias(name, "challenger").version == "2"
    baseline = client.get_run(passing["gate"]["baselineRunId"])
    assert baseline.data.tags["sextant.evaluation.registered_version"] == "1"
    assert baseline.data.tags["sextant.evaluation.eval_set"] == "breast-cancer"
    tags = client.get_run(passing["runId"]).data.tags
    assert tags["sextant.evaluation.registered_model"] == name
    assert tags["sextant.evaluation.registered_version"] == "2"
    assert tags["sextant.evaluation.gate_baseline_alias"] == "champion=1"
    history = subprocess.run(
        ["node", str(SEXTANT_BIN), "models", "history", name, "--store", str(sextant.store)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    assert "beats the champion" in history

    # Version 1 against itself gains nothing: the gate fails (exit 1) and challenger stays on 2.
    failed = json.loads(_evaluate(
        sextant, "--model", f"models:/{name}@champion", *common,
        "--threshold", "accuracy_score>=+0.001", expect_rc=1,
    ).stdout)
    assert failed["gate"]["passed"] is False and "aliasSet" not in failed
    assert failed["gate"]["baselineRunId"] == passing["gate"]["baselineRunId"]
    assert client.get_model_version_by_alias(name, "challenger").version == "2"


def test_evaluations_without_an_experiment_go_to_the_evaluations_experiment(sextant, client, binary):
    experiment = f"eval-{uuid.uuid4().hex[:8]}"
    run_id = _log_model(binary["logistic"], binary["X_train"], experiment)
    done = _evaluate(
        sextant, "--model", f"runs:/{run_id}/model", "--data", str(binary["csv"]),
        "--target", "label", "--task", "classifier", "--no-shap", "--no-permutation", "--json",
    )
    evaluation_id = json.loads(done.stdout)["runId"]
    evaluations = client.get_experiment_by_name("Evaluations")
    assert evaluations is not None and evaluations.lifecycle_stage == "active"
    run = client.get_run(evaluation_id)
    assert run.info.experiment_id == evaluations.experiment_id
    assert run.info.status == "FINISHED"
    in_default = client.search_runs(["0"], filter_string="tags.`sextant.evaluation` = 'true'")
    assert evaluation_id not in {r.info.run_id for r in in_default}


def test_evaluates_on_a_dataset_input_logged_on_a_run(sextant, client, binary):
    """`--data dataset:<run_id>[/<name>]`: the eval file a training run logged as its input."""
    import mlflow
    import mlflow.data

    experiment = f"eval-logged-{uuid.uuid4().hex[:8]}"
    run_id = _log_model(binary["logistic"], binary["X_train"], experiment)
    frame = pd.read_csv(binary["csv"])
    with mlflow.start_run(run_id=run_id):
        mlflow.log_input(mlflow.data.from_pandas(frame.head(5), source="train.csv", name="cancer-train"),
                         context="training")
        mlflow.log_input(mlflow.data.from_pandas(frame, source=str(binary["csv"]), name="cancer-eval"),
                         context="eval")
    args = ("--model", f"runs:/{run_id}/model", "--target", "label", "--task", "classifier",
            "--experiment", f"{experiment}-evals", "--drop", "size", "--no-shap", "--no-permutation",
            "--json")
    named = json.loads(_evaluate(sextant, "--data", f"dataset:{run_id}/cancer-eval", *args).stdout)
    chosen = json.loads(_evaluate(sextant, "--data", f"dataset:{run_id}", *args).stdout)
    by_file = json.loads(_evaluate(sextant, "--data", str(binary["csv"]), *args).stdout)
    for result in (named, chosen):
        assert result["evalSet"] == "cancer-eval"
        assert result["dataset"]["sha256"] == by_file["dataset"]["sha256"]
        assert result["metrics"] == by_file["metrics"]
    missing = _evaluate(sextant, "--data", f"dataset:{run_id}/nope", *args, expect_rc=1)
    assert "logged no dataset named 'nope' (it logged cancer-train, cancer-eval)" in missing.stderr


def test_one_command_evaluates_several_models_on_the_same_data(sextant, client, binary):
    experiment = f"eval-several-{uuid.uuid4().hex[:8]}"
    logistic = _log_model(binary["logistic"], binary["X_train"], experiment)
    forest = _log_model(binary["forest"], binary["X_train"], experiment)
    uris = [f"runs:/{logistic}/model", f"runs:/{forest}/model"]
    done = _evaluate(
        sextant, "--model", *uris, "--data", str(binary["csv"]), "--target", "label",
        "--task", "classifier", "--drop", "size", "--no-shap", "--no-permutation", "--json",
    )
    results = json.loads(done.stdout)
    assert [r["modelUri"] for r in results] == uris
    assert len({r["runId"] for r in results}) == 2
    assert len({r["dataset"]["sha256"] for r in results}) == 1
    frame = pd.read_csv(binary["csv"])
    features = frame[binary["X_train"].columns]
    for result, model in zip(results, (binary["logistic"], binary["forest"])):
        assert abs(result["metrics"]["accuracy_score"]
                   - sk.accuracy_score(frame["label"], model.predict(features))) <= TOL
