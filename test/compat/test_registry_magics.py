"""``%sextant register``, ``%sextant models`` and ``%sextant evaluate`` in a real IPython kernel,
against the session's ``sextant server`` (registry through the real mlflow client, evaluation by
the ``sextant evaluate`` command line on the server's store)."""

from __future__ import annotations

import uuid

import mlflow
import pytest
from sklearn import metrics as sk

from test_magics import run_notebook, stream_text

MODELS_MIME = "application/vnd.sextant.models+json"
EVALUATION_MIME = "application/vnd.sextant.evaluation+json"

TRAIN = """
import mlflow, mlflow.sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
mlflow.set_experiment({experiment!r})
def train(c):
    model = LogisticRegression(C=c, max_iter=5000).fit(X_train, y_train)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, name="model", input_example=X_train.iloc[:2])
    return run.info.run_id, model
"""


def _name(prefix: str = "nb") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def displayed(cell) -> list[dict]:
    return [o.data for o in cell.outputs if o.output_type == "display_data"]


def one_line_error(cell) -> str:
    err = stream_text(cell, "stderr").strip()
    assert err.startswith("sextant: ") and "\n" not in err, err
    return err


def test_register_the_last_run_model_with_an_alias_and_list_it(sextant, client, exp_name, tmp_path):
    name = _name()
    notebook = run_notebook(
        [
            "%load_ext sextant",
            TRAIN.format(experiment=exp_name) + "run_id, model = train(1.0)",
            f"%sextant register {name} --alias champion --description 'first try'",
            "second_id, _ = train(0.01)",
            f"%sextant register {name} models:/{{mlflow.last_logged_model().model_id}}",
            "%sextant models",
            f"%sextant models {name}",
            f"%sextant models --filter \"name = '{name}'\"",
            "import sextant.registry_magic\nsextant.registry_magic.PER_MODEL_SEARCHES = 0\n%sextant models",
            "import numpy as np\n"
            f"loaded = mlflow.pyfunc.load_model('models:/{name}@champion')\n"
            "print(bool((loaded.predict(X_test) == model.predict(X_test)).all()))",
        ],
        tmp_path,
        allow_errors=False,
    )
    first = client.get_model_version(name, "1")
    run_id = first.run_id
    assert first.source.startswith("models:/m-") and first.description == "first try"
    assert client.get_logged_model(first.source.removeprefix("models:/")).source_run_id == run_id
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    shown = displayed(notebook.cells[2])
    assert len(shown) == 1
    assert shown[0][MODELS_MIME] == {"model": name, "version": "1", "alias": "champion"}
    assert stream_text(notebook.cells[2], "stderr") == ""
    assert f'models:/{name}@champion' in shown[0]["text/plain"]
    assert "sextant-alias" in shown[0]["text/html"]

    second = client.get_model_version(name, "2")
    assert second.aliases == [] and second.run_id != run_id and second.source.startswith("models:/m-")
    assert displayed(notebook.cells[4])[0][MODELS_MIME]["version"] == "2"

    listing = displayed(notebook.cells[5])[0]
    mine = [m for m in listing[MODELS_MIME]["models"] if m["name"] == name]
    assert mine == [{"name": name, "versions": 2, "aliases": {"champion": "1"}}]
    row = next(line for line in listing["text/plain"].splitlines() if line.startswith(name))
    assert row.split()[1:4] == ["2", "v2", "@champion=v1"], row
    assert f"@champion → v1" in listing["text/html"]

    versions = displayed(notebook.cells[6])[0]
    lines = versions["text/plain"].splitlines()
    assert lines[0] == f"{name}: 2 versions"
    assert [line.split()[0] for line in lines[2:]] == ["v2", "v1"]
    assert lines[3].split()[1:5] == ["@champion", "None", "READY", "yes"], lines[3]
    assert versions["text/html"].count("sextant-deployable") == 2
    assert run_id in versions["text/html"]

    filtered = displayed(notebook.cells[7])[0][MODELS_MIME]["models"]
    assert [m["name"] for m in filtered] == [name]
    scanned = displayed(notebook.cells[8])[0][MODELS_MIME]["models"]
    assert scanned == listing[MODELS_MIME]["models"], "one scan of all versions counts the same"
    assert stream_text(notebook.cells[9], "stdout") == "True\n"


def test_register_finds_a_model_folder_among_a_run_artifacts(sextant, client, exp_name, tmp_path):
    """A run that logged a saved model folder as plain artifacts (no MLflow 3 logged model)."""
    name = _name()
    notebook = run_notebook(
        [
            "%load_ext sextant",
            "import mlflow, mlflow.sklearn, numpy as np\n"
            "from sklearn.linear_model import LinearRegression\n"
            f"mlflow.set_experiment({exp_name!r})\n"
            "X = np.arange(20.0).reshape(-1, 2); model = LinearRegression().fit(X, X[:, 0])\n"
            f"mlflow.sklearn.save_model(model, {str(tmp_path / 'saved')!r})\n"
            "with mlflow.start_run() as run:\n"
            f"    mlflow.log_artifacts({str(tmp_path / 'saved')!r}, 'regressor')\n"
            "    mlflow.log_text('notes', 'notes/readme.txt')\n"
            "run_id = run.info.run_id",
            f"%sextant register {name} --run {{run_id}} --alias staging",
        ],
        tmp_path,
        allow_errors=False,
    )
    version = client.get_model_version_by_alias(name, "staging")
    run_id = client.search_runs([client.get_experiment_by_name(exp_name).experiment_id])[0].info.run_id
    assert (version.version, version.source, version.run_id) == ("1", f"runs:/{run_id}/regressor", run_id)
    assert stream_text(notebook.cells[2], "stderr") == ""


def test_registry_magics_refuse_bad_input_in_one_line(sextant, client, exp_name, tmp_path):
    name = _name()
    sources = [
        "%load_ext sextant",
        f"%sextant register {name}",
        f"%sextant models {name}",
        f"%sextant register {name} file:///etc/passwd",
        "%sextant models --filter 'name = '",
        TRAIN.format(experiment=exp_name)
        + "with mlflow.start_run() as run:\n"
        "    for label in ('a', 'b'):\n"
        "        mlflow.sklearn.log_model(LogisticRegression().fit(X_train[:50], y_train[:50]), name=label)",
        f"%sextant register {name} --run {{run.info.run_id}}",
        "with mlflow.start_run() as empty:\n    mlflow.log_param('p', 1)",
        f"%sextant register {name} --run {{empty.info.run_id}}",
        f"%sextant evaluate models:/{name}@nope --data x.csv --target y --task classifier",
        f"%sextant evaluate {name} --versions 1 --data x.csv --target y",
        f"%sextant evaluate a b --versions 1 --data x.csv --target y --task classifier",
        "print('alive')",
    ]
    notebook = run_notebook(sources, tmp_path, allow_errors=False)
    assert "no run to register from" in one_line_error(notebook.cells[1])
    assert one_line_error(notebook.cells[2]).startswith(f"sextant: RESOURCE_DOES_NOT_EXIST: Registered Model with name={name}")
    assert one_line_error(notebook.cells[3]).startswith('sextant: INVALID_PARAMETER_VALUE: Invalid source "file:///etc/passwd"')
    assert "INVALID_PARAMETER_VALUE" in one_line_error(notebook.cells[4])
    several = one_line_error(notebook.cells[6])
    assert "logged 2 models" in several and "(a)" in several and "(b)" in several
    assert "logged no model" in one_line_error(notebook.cells[8])
    assert "RESOURCE_DOES_NOT_EXIST" in one_line_error(notebook.cells[9])
    assert "--task" in one_line_error(notebook.cells[10])
    assert "one registered model name" in one_line_error(notebook.cells[11])
    assert stream_text(notebook.cells[12], "stdout") == "alive\n"
    with pytest.raises(mlflow.exceptions.MlflowException):
        client.get_registered_model(name)


@pytest.fixture(scope="module")
def two_versions(sextant, tmp_path_factory):
    """A registered model with two logistic regressions (v1 @champion) and an eval CSV."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from mlflow import MlflowClient

    client = MlflowClient(sextant.url)
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    name = _name("eval")
    mlflow.set_experiment(f"{name}-train")
    models = {}
    for c in (1.0, 0.001):
        model = LogisticRegression(C=c, max_iter=5000).fit(X_train, y_train)
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(model, name="model", registered_model_name=name, input_example=X_train.iloc[:2])
        models[str(info.registered_model_version)] = model
    client.set_registered_model_alias(name, "champion", "1")
    folder = tmp_path_factory.mktemp("eval-set")
    frame = X_test.copy()
    frame["label"] = y_test
    frame.to_csv(folder / "eval.csv", index=False)
    return {"name": name, "models": models, "X": X_test, "y": y_test, "folder": folder}


def test_evaluate_two_versions_streams_progress_and_shows_metrics_side_by_side(sextant, client, two_versions):
    name, folder = two_versions["name"], two_versions["folder"]
    notebook = run_notebook(
        [
            "%load_ext sextant",
            f"%sextant evaluate {name} --versions 1 2 --data eval.csv --target label --task classifier "
            f"--eval-set holdout --experiment {name}-evals --no-shap --no-permutation --store {sextant.store}",
        ],
        folder,
        allow_errors=False,
    )
    cell = notebook.cells[1]
    out = stream_text(cell, "stdout")
    assert f"sextant: evaluating {name} v1 (1/2)" in out and f"sextant: evaluating {name} v2 (2/2)" in out, out
    assert out.count("%] ") >= 4, out
    assert stream_text(cell, "stderr") == ""
    (shown,) = displayed(cell)
    evaluations = shown[EVALUATION_MIME]["evaluations"]
    assert [(e["name"], e["version"]) for e in evaluations] == [(name, "1"), (name, "2")]
    accuracies = {}
    for evaluation in evaluations:
        run = client.get_run(evaluation["runId"])
        assert run.info.run_name == f"{name} v{evaluation['version']}"
        assert run.data.tags["sextant.evaluation.dataset_path"] == str(folder / "eval.csv")
        assert run.data.tags["sextant.evaluation.registered_model"] == name
        assert run.data.tags["sextant.evaluation.registered_version"] == evaluation["version"]
        assert run.data.tags["sextant.evaluation.eval_set"] == "holdout"
        model = two_versions["models"][evaluation["version"]]
        expected = sk.accuracy_score(two_versions["y"], model.predict(two_versions["X"]))
        assert run.data.metrics["accuracy_score"] == pytest.approx(expected, abs=1e-9)
        assert evaluation["metrics"]["accuracy_score"] == run.data.metrics["accuracy_score"]
        accuracies[evaluation["version"]] = expected
    assert accuracies["1"] != accuracies["2"]
    best = max(accuracies, key=accuracies.get)
    row = next(line for line in shown["text/plain"].splitlines() if line.startswith("accuracy_score"))
    cells = row.split()[1:]
    assert cells[int(best) - 1].endswith("*") and not cells[2 - int(best)].endswith("*"), row
    assert shown["text/html"].count('class="sextant-best"') >= 5
    loss = next(line for line in shown["text/plain"].splitlines() if line.startswith("log_loss"))
    losses = [float(v.rstrip("*")) for v in loss.split()[1:]]
    assert loss.split()[1 + losses.index(min(losses))].endswith("*"), "lower log loss is the better one"


def test_evaluate_by_alias_with_a_gate_shows_its_verdict(sextant, client, two_versions):
    name, folder = two_versions["name"], two_versions["folder"]
    notebook = run_notebook(
        [
            "%load_ext sextant",
            f"%sextant evaluate models:/{name}@champion --data {folder / 'eval.csv'} --target label "
            f"--task classifier --threshold accuracy_score>=0.5 log_loss<=0.0001 --no-shap --no-permutation "
            f"--store {sextant.store}",
            f"%sextant evaluate models:/{name}@champion --data missing.csv --target label --task classifier "
            f"--store {sextant.store}",
        ],
        folder,
        allow_errors=False,
    )
    (shown,) = displayed(notebook.cells[1])
    (evaluation,) = shown[EVALUATION_MIME]["evaluations"]
    assert (evaluation["version"], evaluation["gate"]) == ("1", "failed")
    tags = client.get_run(evaluation["runId"]).data.tags
    assert tags["sextant.evaluation.gate"] == "failed"
    assert tags["sextant.evaluation.model_uri"] == f"models:/{name}@champion"
    assert (tags["sextant.evaluation.registered_version"], tags["sextant.evaluation.eval_set"]) == ("1", "eval.csv")
    assert f"Gate {name} v1: FAILED" in shown["text/plain"] and "log_loss" in shown["text/plain"]
    assert "Gate failed" in shown["text/html"]
    assert stream_text(notebook.cells[1], "stderr") == ""
    error = one_line_error(notebook.cells[2])
    assert "1 of 1 evaluations failed" in error and "missing.csv" in error, error


def test_evaluate_against_the_champion_moves_challenger_when_the_gate_passes(sextant, client, two_versions):
    name, folder = two_versions["name"], two_versions["folder"]
    notebook = run_notebook(
        [
            "%load_ext sextant",
            f"%sextant evaluate models:/{name}/2 --data eval.csv --target label --task classifier "
            f"--threshold accuracy_score>=0.5 --baseline-alias champion --on-pass-alias challenger "
            f"--reason 'beats the floor' --no-shap --no-permutation --store {sextant.store}",
        ],
        folder,
        allow_errors=False,
    )
    (shown,) = displayed(notebook.cells[1])
    (evaluation,) = shown[EVALUATION_MIME]["evaluations"]
    assert (evaluation["version"], evaluation["gate"]) == ("2", "passed")
    assert client.get_model_version_by_alias(name, "challenger").version == "2"
    assert f"Alias @challenger set on {name} v2" in shown["text/plain"]
    assert "sextant-alias-set" in shown["text/html"]
    assert stream_text(notebook.cells[1], "stderr") == ""
