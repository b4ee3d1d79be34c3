"""`sextant deploy`: a deployment of sextant.yaml with a canary, a sticky key and a shadow, on
sklearn models logged and registered by the real mlflow client; traffic changed, promoted and
rolled back from another process, every change recorded."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import REPO, SEXTANT_BIN

PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)


@pytest.fixture(scope="module")
def versions(sextant):
    """Three versions of one iris model (v1 champion by alias), logged by the mlflow client."""
    import mlflow
    from mlflow import MlflowClient
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression, RidgeClassifier

    X, y = load_iris(return_X_y=True, as_frame=True)
    name = f"iris-deploy-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"deploy-{name}")
    for model in (
        LogisticRegression(max_iter=500),
        LogisticRegression(C=0.01, max_iter=500),
        RidgeClassifier(alpha=10.0),
    ):
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                model.fit(X, y), name="model", input_example=X.head(3), registered_model_name=name
            )
    MlflowClient().set_registered_model_alias(name, "champion", "1")
    return name, X


def cli(sextant, cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "deploy", *args, "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def deployment(sextant, versions, tmp_path_factory):
    name, _ = versions
    cwd = tmp_path_factory.mktemp("deploy")
    (cwd / "sextant.yaml").write_text(
        f"""
deployments:
  iris-api:
    model: models:/{name}@champion
    routes:
      sticky_header: x-user-id
      variants:
        - {{ name: champion, weight: 90 }}
        - {{ name: challenger, model: "models:/{name}/2", weight: 10 }}
        - {{ name: mirror, model: "models:/{name}/3", shadow: true }}
"""
    )
    log = cwd / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store),
             "--python", PYTHON, "--reason", "canary of the regularized model"],
            stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
        )
    deadline = time.monotonic() + 120
    url = None
    while time.monotonic() < deadline and url is None:
        match = READY.search(log.read_text(errors="replace"))
        if match:
            url = match.group(2)
        elif process.poll() is not None:
            break
        time.sleep(0.1)
    if url is None:
        process.kill()
        pytest.fail("sextant deploy up did not become ready:\n" + log.read_text(errors="replace"))
    yield {"url": url, "cwd": cwd, "process": process, "log": log, "model": name}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def call(url: str, rows, key: str | None = None, request_id: str | None = None):
    headers = {}
    if key is not None:
        headers["x-user-id"] = key
    if request_id is not None:
        headers["x-request-id"] = request_id
    answer = requests.post(
        f"{url}/invocations", json={"dataframe_records": rows}, headers=headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.headers["x-sextant-variant"], answer.json()


def split(url: str, rows, n: int, prefix: str) -> list[str]:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda i: call(url, rows, key=f"{prefix}-{i}")[0], range(n)))


def test_canary_split_sticky_shadow_promote_and_rollback(sextant, versions, deployment):
    import mlflow.pyfunc
    from mlflow import MlflowClient

    name, X = versions
    url, cwd = deployment["url"], deployment["cwd"]
    rows = X.head(2).to_dict(orient="records")

    # A 90/10 split over 2,000 keyed callers, within 4 standard deviations (sd ≈ 13.4).
    variants = split(url, rows, 2000, "user")
    assert set(variants) == {"champion", "challenger"}, "a shadow never answers"
    assert abs(variants.count("challenger") - 200) < 54, variants.count("challenger")
    assert split(url, rows, 2000, "user") == variants, "the same key lands on the same variant"

    # Each variant answers with its own model; the shadow's answer is logged, never returned.
    want = {
        v: mlflow.pyfunc.load_model(f"models:/{name}/{v}").predict(X.head(2)).tolist()
        for v in ("1", "2", "3")
    }
    request_id = f"shadow-{uuid.uuid4().hex[:8]}"
    variant, body = call(url, rows, key="user-1", request_id=request_id)
    assert body == {"predictions": want["1" if variant == "champion" else "2"]}
    # The shadow's one replica still works through the mirrored copies of the split above.
    deadline = time.monotonic() + 60
    logged = []
    while len(logged) < 2 and time.monotonic() < deadline:
        time.sleep(0.25)
        with sqlite3.connect(sextant.store / "sextant.db") as db:
            logged = db.execute(
                "SELECT variant, version, deployment, outputs FROM inference_log"
                " WHERE request_id = ? ORDER BY variant", (request_id,)
            ).fetchall()
    assert sorted(r[0] for r in logged) == sorted([variant, "mirror"])
    shadow = next(r for r in logged if r[0] == "mirror")
    assert shadow[1] == "3" and shadow[2] == "iris-api"
    assert json.loads(shadow[3])["predictions"] == want["3"]

    # Traffic changed from another process reaches the running deployment.
    assert '"challenger":50' in cli(sextant, cwd, "traffic", "iris-api", "champion=50", "challenger=50")
    half = split(url, rows, 1000, "half")
    assert abs(half.count("challenger") - 500) < 64, half.count("challenger")
    before_promote = int(time.time() * 1000)
    time.sleep(0.01)

    # Promote: the alias moves to version 2 and all traffic goes to the challenger.
    out = cli(sextant, cwd, "promote", "iris-api", "--reason", "regularized wins")
    assert "moved from version 1 to 2" in out
    assert MlflowClient().get_model_version_by_alias(name, "champion").version == "2"
    assert set(split(url, rows, 100, "after-promote")) == {"challenger"}

    # Roll back: the alias returns to version 1 and the traffic to 50/50.
    cli(sextant, cwd, "rollback", "iris-api")
    assert MlflowClient().get_model_version_by_alias(name, "champion").version == "1"
    assert "champion" in split(url, rows, 200, "after-rollback")

    events = [json.loads(line) for line in cli(sextant, cwd, "logs", "iris-api", "--json").splitlines()]
    kinds = [e["kind"] for e in events]
    assert kinds[-4:] == ["deploy", "traffic", "promote", "rollback"], kinds
    deploy_event, _, promote, rollback = events[-4:]
    assert deploy_event["reason"] == "canary of the regularized model"
    assert promote["reason"] == "regularized wins" and promote["details"]["from"] == "1"
    assert promote["details"]["to"] == "2"
    assert rollback["details"]["to"] == "1"
    with sqlite3.connect(sextant.store / "sextant.db") as db:
        reasons = [r[0] for r in db.execute(
            "SELECT reason FROM registry_events WHERE model_name = ? ORDER BY event_pk", (name,)
        )]
    assert "regularized wins" in reasons

    # What served at a time before the promotion: v1 champion at 50, v2 challenger at 50.
    at = json.loads(cli(sextant, cwd, "status", "iris-api", "--at", str(before_promote), "--json"))
    assert [(v["name"], v["version"], v["weight"]) for v in at["state"]["variants"]] == [
        ("champion", "1", 50), ("challenger", "2", 50), ("mirror", "3", 0),
    ]

    # A replica killed with SIGKILL is recorded as a crash (and replaced: requests still succeed).
    workers = subprocess.run(
        ["pgrep", "-P", str(deployment["process"].pid)], capture_output=True, text=True
    ).stdout.split()
    assert len(workers) == 3, workers
    os.kill(int(workers[0]), signal.SIGKILL)
    deadline = time.monotonic() + 30
    crashes = []
    while not crashes and time.monotonic() < deadline:
        time.sleep(0.2)
        crashes = [
            e for e in map(json.loads, cli(sextant, cwd, "logs", "iris-api", "--json").splitlines())
            if e["kind"] == "replica_crash"
        ]
    assert crashes and crashes[0]["details"]["pid"] == int(workers[0]), crashes
    assert len(split(url, rows, 50, "after-crash")) == 50

    assert "running" in cli(sextant, cwd, "list")
    cli(sextant, cwd, "down", "iris-api")
    deployment["process"].wait(timeout=30)
    assert "stopped" in cli(sextant, cwd, "list")
    assert json.loads(cli(sextant, cwd, "logs", "iris-api", "--json").splitlines()[-1])["kind"] == "stop"


def test_bad_requests_get_clear_errors(sextant, tmp_path):
    (tmp_path / "sextant.yaml").write_text("deployments:\n  api:\n    model: runs:/x/model\n")
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "models:/<name>@<alias>" in done.stderr
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "deploy", "traffic", "nowhere", "a=1", "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert done.returncode != 0 and "no deployment named 'nowhere'" in done.stderr


@pytest.fixture(scope="module")
def slow_challenger(sextant):
    """A pyfunc registered twice: version 1 answers at once, version 2 after 0.3 s."""
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    class Sleeper(mlflow.pyfunc.PythonModel):
        def __init__(self, seconds: float):
            self.seconds = seconds

        def predict(self, context, model_input, params=None):
            import time as t

            t.sleep(self.seconds)
            return pd.DataFrame({"y": model_input["x"] * 2.0})

    frame = pd.DataFrame({"x": [1.0, 2.0]})
    name = f"sleeper-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"deploy-{name}")
    for seconds in (0.0, 0.3):
        with mlflow.start_run():
            mlflow.pyfunc.log_model(
                name="model",
                python_model=Sleeper(seconds),
                signature=infer_signature(frame, Sleeper(0).predict(None, frame)),
                registered_model_name=name,
            )
    MlflowClient().set_registered_model_alias(name, "champion", "1")
    return name


def test_a_slow_canary_is_rolled_back_automatically_with_its_evidence(
    sextant, slow_challenger, tmp_path
):
    name = slow_challenger
    (tmp_path / "sextant.yaml").write_text(
        f"""
deployments:
  sleeper-api:
    model: models:/{name}@champion
    routes:
      variants:
        - {{ name: champion, weight: 50 }}
        - {{ name: canary, model: "models:/{name}/2", weight: 50 }}
    rollback: {{ window_s: 60, min_requests: 5, max_p99_ms: 150 }}
"""
    )
    log = tmp_path / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "sleeper-api", "--store",
             str(sextant.store), "--python", PYTHON],
            stdout=sink, stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + 120
        match = None
        while time.monotonic() < deadline and match is None and process.poll() is None:
            match = READY.search(log.read_text(errors="replace"))
            time.sleep(0.1)
        assert match, log.read_text(errors="replace")
        url = match.group(2)
        body = {"dataframe_records": [{"x": 1.0}]}
        served = [
            requests.post(f"{url}/invocations", json=body, timeout=30).headers["x-sextant-variant"]
            for _ in range(40)
        ]
        assert served.count("canary") >= 5
        tail = [
            requests.post(f"{url}/invocations", json=body, timeout=30).headers["x-sextant-variant"]
            for _ in range(30)
        ]
        assert set(tail) == {"champion"}, tail
        events = [
            json.loads(line)
            for line in cli(sextant, tmp_path, "logs", "sleeper-api", "--json").splitlines()
        ]
        rollback = [e for e in events if e["kind"] == "auto_rollback"][-1]
        assert rollback["user"] == "sextant"
        assert rollback["details"]["variant"] == "canary"
        assert rollback["details"]["p99Ms"] > 150
        assert rollback["details"]["limits"] == {"maxP99Ms": 150}
        assert [(v["name"], v["weight"]) for v in rollback["state"]["variants"]] == [
            ("champion", 100), ("canary", 0),
        ]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
