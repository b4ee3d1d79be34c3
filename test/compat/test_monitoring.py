"""Monitoring a served sklearn model: a reference profile set from its training data, drifted
traffic through `sextant deploy up`, scheduled windows that flag the drifted features only, an
alert that fires after two windows and resolves, Prometheus gauges at the deployment's /metrics,
and a pipeline started by the alert through `sextant pipeline watch`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import requests

from conftest import REPO, SEXTANT_BIN

PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)
FEATURES = ["f0", "f1", "f2", "f3"]
WINDOW = 40  # requests per count window
ROWS = 50  # rows per request: 2,000 per window, so that Evidently's default (Wasserstein
# distance >= 0.1 against a reference over 1,000 rows) leaves undrifted features alone


def draw(rng: np.random.Generator, n: int, shift: float = 0.0):
    """n rows of the training distribution; f0 and f2 moved by `shift` standard deviations."""
    import pandas as pd

    X = pd.DataFrame(rng.normal(0.0, 1.0, size=(n, 4)), columns=FEATURES)
    X["f0"] += shift
    X["f2"] += shift
    return X


@pytest.fixture(scope="module")
def model(sextant, tmp_path_factory):
    """A logistic regression logged and registered by the mlflow client, its reference set."""
    import mlflow
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(20261205)
    X = draw(rng, 5000)
    y = (X["f0"] + 0.5 * X["f1"] - X["f2"] > 0).astype(int)
    fitted = LogisticRegression().fit(X, y)
    name = f"monitored-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"monitor-{name}")
    with mlflow.start_run():
        mlflow.sklearn.log_model(fitted, name="model", input_example=X.head(3), registered_model_name=name)
    MlflowClient().set_registered_model_alias(name, "champion", "1")
    cwd = tmp_path_factory.mktemp("monitor")
    reference = X.assign(label=y, prediction=fitted.predict(X))
    reference.to_csv(cwd / "train.csv", index=False)
    return name, cwd


def sextant_cli(sextant, cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), *args, "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def until(what: str, check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(sextant, model):
    name, cwd = model
    (cwd / "sextant.yaml").write_text(
        f"""
deployments:
  scored:
    model: models:/{name}@champion
monitors:
  inputs:
    deployment: scored
    window: {WINDOW}
    every: 500ms
alerts:
  input-drift:
    monitor: inputs
    metric: drift_share
    threshold: 0.5
    for: 2
    severity: critical
    summary: the inputs of the scored deployment drifted
pipelines:
  retrain:
    on:
      alert: input-drift
    steps:
      retrain:
        run: python3 -c "open('retrained.txt', 'w').write('retrained')"
        outs: [retrained.txt]
"""
    )
    out = sextant_cli(sextant, cwd, "monitor", "reference", f"models:/{name}@champion", "--data", "train.csv",
                      "--prediction", "prediction").stdout
    assert f"of {name} version 1 from {cwd / 'train.csv'}: 5000 rows, features f0, f1, f2, f3, predictions in 'prediction'" in out

    logs = {key: cwd / f"{key}.log" for key in ("up", "watch")}
    processes = {}
    for key, args in (
        ("up", ["deploy", "up", "--python", PYTHON]),
        ("watch", ["pipeline", "watch", "--port", "0"]),
    ):
        with open(logs[key], "wb") as sink:
            processes[key] = subprocess.Popen(
                ["node", str(SEXTANT_BIN), *args, "--store", str(sextant.store)],
                stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
            )
    url = until("the deployment to be ready", lambda: (m := READY.search(logs["up"].read_text(errors="replace"))) and m.group(2), 120)
    until("the pipeline watcher", lambda: "webhook at" in logs["watch"].read_text(errors="replace"), 60)
    yield {"url": url, "cwd": cwd, "logs": logs, "model": name}
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def send_window(url: str, rng: np.random.Generator, shift: float = 0.0) -> None:
    """One count window of traffic: WINDOW requests of ROWS rows each."""
    for _ in range(WINDOW):
        X = draw(rng, ROWS, shift)
        answer = requests.post(
            f"{url}/invocations", json={"dataframe_split": X.to_dict(orient="split")}, timeout=30
        )
        assert answer.status_code == 200, answer.text


def windows(sextant, cwd) -> list[dict]:
    return json.loads(sextant_cli(sextant, cwd, "monitor", "windows", "inputs", "--json").stdout)


def scheduled(sextant, cwd, count: int) -> list[dict]:
    return until(
        f"{count} scheduled windows",
        lambda: (w := [x for x in windows(sextant, cwd) if x["kind"] == "scheduled"]) and len(w) >= count and w,
    )


def drifted(window: dict) -> list[str]:
    return [f["feature"] for f in window["features"] if f["drifted"]]


def alerts(sextant, cwd) -> list[tuple[str, str]]:
    events = json.loads(sextant_cli(sextant, cwd, "monitor", "alerts", "--json").stdout)
    return [(e["rule"], e["state"]) for e in events]


def test_drift_flags_the_drifted_features_fires_an_alert_that_triggers_a_pipeline_and_resolves(sextant, served):
    url, cwd = served["url"], served["cwd"]
    rng = np.random.default_rng(7)

    send_window(url, rng)
    [first] = scheduled(sextant, cwd, 1)
    assert first["requests"] == WINDOW and first["rows"] == WINDOW * ROWS
    assert first["model"] == served["model"] and first["version"] == "1"
    assert drifted(first) == [], first["features"]
    assert [f["method"] for f in first["features"]] == ["wasserstein"] * 4, "a reference over 1000 rows"
    assert first["metrics"]["missing_share"] == 0 and first["metrics"]["error_rate"] == 0

    send_window(url, rng, shift=1.0)
    second = scheduled(sextant, cwd, 2)[-1]
    assert drifted(second) == ["f0", "f2"], second["features"]
    assert second["metrics"]["drift_share"] == 0.5
    assert alerts(sextant, cwd) == [], "the rule needs two windows"

    # The deployment's /metrics carries the window's gauges.
    metrics = requests.get(f"{url}/metrics", timeout=10).text
    assert 'sextant_monitor_drift_share{monitor="inputs",deployment="scored",variant="champion"} 0.5' in metrics
    assert 'sextant_monitor_feature_drifted{monitor="inputs",deployment="scored",variant="champion",feature="f0"} 1' in metrics
    assert 'sextant_monitor_feature_drifted{monitor="inputs",deployment="scored",variant="champion",feature="f1"} 0' in metrics

    send_window(url, rng, shift=1.0)
    third = scheduled(sextant, cwd, 3)[-1]
    assert drifted(third) == ["f0", "f2"]
    assert alerts(sextant, cwd) == [("input-drift", "firing")]
    [event] = json.loads(sextant_cli(sextant, cwd, "monitor", "alerts", "--json").stdout)
    assert event["user"] == "sextant" and event["severity"] == "critical" and event["window"] == third["id"]
    assert event["evidence"]["values"] == [0.5, 0.5]
    assert event["evidence"]["driftedFeatures"] == ["f0", "f2"]
    assert "Alert input-drift firing (critical) on scored" in served["logs"]["up"].read_text()

    # The firing alert starts the retraining pipeline, recorded as the run's trigger.
    def triggered():
        runs = json.loads(sextant_cli(sextant, cwd, "pipeline", "runs", "--json").stdout)
        return [r for r in runs if r["pipeline"] == "retrain" and r["status"] == "done"]
    [run] = until("the triggered pipeline run", triggered, 60)
    assert run["trigger"]["kind"] == "alert"
    assert run["trigger"]["detail"].startswith("input-drift firing on scored (critical, value 0.5, threshold 0.5")
    assert (cwd / "retrained.txt").read_text() == "retrained"

    send_window(url, rng)
    fourth = scheduled(sextant, cwd, 4)[-1]
    assert drifted(fourth) == []
    assert alerts(sextant, cwd) == [("input-drift", "firing"), ("input-drift", "resolved")]

    # On demand: the latest window of the given size, recorded apart from the scheduled series.
    checked = json.loads(sextant_cli(sextant, cwd, "monitor", "run", "inputs", "--window", str(WINDOW * 2), "--json").stdout)
    assert checked["window"]["kind"] == "on-demand" and checked["window"]["requests"] == WINDOW * 2
    assert checked["alerts"] == []
    text = sextant_cli(sextant, cwd, "monitor", "run", "inputs", "--window", "1h").stdout
    assert "inputs: window" in text and "(on-demand) of scored/champion" in text and "drift share" in text


def test_accuracy_and_f1_per_window_from_feedback_labels(sextant, served):
    from sklearn.metrics import accuracy_score, f1_score

    url, cwd = served["url"], served["cwd"]
    rng = np.random.default_rng(11)
    X = draw(rng, WINDOW)
    predicted, ids = [], []
    for i in range(WINDOW):
        request_id = f"labelled-{uuid.uuid4().hex[:8]}"
        answer = requests.post(
            f"{url}/invocations", json={"dataframe_split": X.iloc[[i]].to_dict(orient="split")},
            headers={"x-request-id": request_id}, timeout=30,
        )
        assert answer.status_code == 200, answer.text
        predicted.append(answer.json()["predictions"][0])
        ids.append(request_id)
    # The outcome contradicts every fourth prediction.
    truth = [1 - p if i % 4 == 0 else p for i, p in enumerate(predicted)]
    body = [{"request_id": r, "label": t} for r, t in zip(ids, truth)]
    until("the feedback to be recorded", lambda: requests.post(
        f"{url}/v2/sextant/feedback", json=body, timeout=30).json().get("recorded") == WINDOW, 30)
    checked = json.loads(sextant_cli(sextant, cwd, "monitor", "run", "inputs", "--window", str(WINDOW), "--json").stdout)
    metrics = checked["window"]["metrics"]
    assert metrics["labelled"] == WINDOW
    assert abs(metrics["accuracy"] - accuracy_score(truth, predicted)) < 1e-12
    assert abs(metrics["f1"] - f1_score(truth, predicted, average="macro")) < 1e-12
    assert metrics["accuracy"] == 0.75


def test_rules_export_as_a_prometheus_rule_file(sextant, served):
    cwd = served["cwd"]
    import yaml

    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "monitor", "rules", "--prometheus"],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    doc = yaml.safe_load(text)
    [group] = doc["groups"]
    [rule] = group["rules"]
    assert rule == {
        "alert": "input-drift",
        "expr": 'sextant_monitor_drift_share{monitor="inputs",deployment="scored"} >= 0.5',
        "for": "1s",
        "labels": {"severity": "critical", "monitor": "inputs", "deployment": "scored"},
        "annotations": {
            "summary": "the inputs of the scored deployment drifted",
            "description": "Sextant monitor inputs (deployment scored, variant champion, window 40): "
            "drift_share is {{ $value }}, threshold >= 0.5 for 2 window(s).",
        },
    }
    promtool = subprocess.run(["which", "promtool"], capture_output=True, text=True).stdout.strip()
    if promtool:
        (cwd / "rules.yml").write_text(text)
        checked = subprocess.run([promtool, "check", "rules", str(cwd / "rules.yml")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "SUCCESS: 1 rules found" in checked.stdout


def test_reference_from_the_versions_latest_evaluation(sextant, served):
    cwd, name = served["cwd"], served["model"]
    X = draw(np.random.default_rng(3), 300)
    X.assign(label=(X["f0"] > 0).astype(int)).to_csv(cwd / "holdout.csv", index=False)
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "evaluate", "--store", str(sextant.store), "--python", PYTHON,
         "--model", f"models:/{name}/1", "--data", "holdout.csv", "--target", "label",
         "--task", "classifier", "--eval-set", "holdout", "--no-shap", "--no-permutation", "--json"],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = json.loads(done.stdout)["runId"]
    info = json.loads(sextant_cli(sextant, cwd, "monitor", "reference", f"models:/{name}@champion",
                                  "--from-evaluation", "holdout", "--json").stdout)
    assert info["rows"] == 300 and info["features"] == FEATURES and info["version"] == "1"
    assert info["source"] == f"evaluation {run_id} (holdout): {cwd / 'holdout.csv'}"
    missing = sextant_cli(sextant, cwd, "monitor", "reference", f"models:/{name}/1",
                          "--from-evaluation", "nightly", check=False)
    assert missing.returncode != 0 and "has no evaluation on nightly" in missing.stderr
    both = sextant_cli(sextant, cwd, "monitor", "reference", f"models:/{name}/1", check=False)
    assert both.returncode != 0 and "give the reference data with --data FILE or --from-evaluation" in both.stderr
    # The training reference again, for the windows checked after this test, from Parquet.
    import pandas as pd

    pd.read_csv(cwd / "train.csv").to_parquet(cwd / "train.parquet")
    info = json.loads(sextant_cli(sextant, cwd, "monitor", "reference", f"models:/{name}/1", "--data",
                                  "train.parquet", "--prediction", "prediction", "--json").stdout)
    assert info["rows"] == 5000 and info["features"] == FEATURES and info["prediction"] == "prediction"


def test_bad_monitor_input_gets_a_clear_error(sextant, served):
    cwd = served["cwd"]
    done = sextant_cli(sextant, cwd, "monitor", "run", "nope", check=False)
    assert done.returncode != 0 and "declares no monitor named 'nope'; it has inputs" in done.stderr
    done = sextant_cli(sextant, cwd, "monitor", "run", "inputs", "--window", "soon", check=False)
    assert done.returncode != 0 and "window 'soon' is neither a duration" in done.stderr
    done = sextant_cli(sextant, cwd, "monitor", "reference", f"models:/{served['model']}/1", "--data", "missing.csv", check=False)
    assert done.returncode != 0 and "missing.csv does not exist" in done.stderr


def test_the_monitoring_magics_run_on_the_workspace_store_and_offer_the_dashboard(sextant, served):
    """``%sextant monitor|timeline|experiment`` in a notebook below the workspace: the same answers
    as the command line on the workspace's store, a button to the view, a clear error."""
    from test_magics import run_notebook, stream_text

    cwd = served["cwd"]
    if not (cwd / ".sextant").exists():
        (cwd / ".sextant").symlink_to(sextant.store, target_is_directory=True)
    notebooks = cwd / "notebooks"
    notebooks.mkdir(exist_ok=True)
    notebook = run_notebook(
        [
            "%load_ext sextant",
            "%sextant monitor run inputs --json",
            "%sextant monitor windows inputs --json",
            "%sextant monitor rules --json --file ../sextant.yaml",
            "%sextant timeline --deployment scored --json",
            "%sextant experiment power --effect 0.05 --baseline 0.2",
            "%sextant monitor run no-such-monitor",
            "%sextant help monitor",
        ],
        cwd=notebooks,
    )
    cells = notebook.cells

    checked = json.loads(stream_text(cells[1], "stdout"))
    assert checked["window"]["kind"] == "on-demand"
    [button] = [o for o in cells[1].outputs if o.output_type == "display_data"]
    assert button.data["application/vnd.sextant.view+json"] == {"view": "monitoring", "monitor": "inputs"}
    shown = json.loads(stream_text(cells[2], "stdout"))
    assert checked["window"]["id"] in [w["id"] for w in shown]
    assert [w["id"] for w in shown] == [w["id"] for w in windows(sextant, cwd)][: len(shown)]
    [button] = [o for o in cells[2].outputs if o.output_type == "display_data"]
    assert button.data["application/vnd.sextant.view+json"] == {"view": "monitoring", "monitor": "inputs"}

    rules = subprocess.run(["node", str(SEXTANT_BIN), "monitor", "rules", "--json"], capture_output=True,
                           text=True, timeout=60, cwd=cwd, check=True).stdout
    assert json.loads(stream_text(cells[3], "stdout")) == json.loads(rules)
    assert not [o for o in cells[3].outputs if o.output_type == "display_data"], "no view for the rules"

    # The same store as the command line's: what the magic listed is there (later items may follow).
    timeline = json.loads(stream_text(cells[4], "stdout"))["items"]
    listed = json.loads(sextant_cli(sextant, cwd, "timeline", "--deployment", "scored", "--json").stdout)["items"]
    assert timeline and all(item in listed for item in timeline), (timeline, listed)
    [button] = [o for o in cells[4].outputs if o.output_type == "display_data"]
    assert button.data["application/vnd.sextant.view+json"] == {"view": "timeline", "deployment": "scored"}

    assert "treatment units" in stream_text(cells[5], "stdout")

    assert "declares no monitor named 'no-such-monitor'; it has inputs" in stream_text(cells[6], "stdout")
    assert stream_text(cells[6], "stderr").strip().splitlines()[-1] == (
        "sextant: `sextant monitor run no-such-monitor` ended with exit code 1"
    )
    assert not [o for o in cells[6].outputs if o.output_type == "display_data"]
    assert "%sextant monitor run|windows MONITOR" in stream_text(cells[7], "stdout")
