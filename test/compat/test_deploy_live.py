"""A deployment that changes while it serves, under load: a rolling update to a new registered
version, a replica killed with SIGKILL, an update to a version that cannot load, and
autoscaling on a burst of concurrent requests, on sklearn models logged by the real mlflow
client. No request may fail; every change is recorded."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import REPO, SEXTANT_BIN

PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)
BROKEN_LOADER = '''
def _load_pyfunc(path):
    raise RuntimeError("the weights of this version are corrupt (checksum mismatch)")
'''


@pytest.fixture(scope="module")
def versions(sextant, tmp_path_factory):
    """v1 and v2: two regressions of petal width (different predictions); v3: cannot load."""
    import mlflow
    from mlflow import MlflowClient
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LinearRegression, Ridge

    X, _ = load_iris(return_X_y=True, as_frame=True)
    features, target = X.drop(columns=["petal width (cm)"]), X["petal width (cm)"]
    name = f"iris-live-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"live-{name}")
    for model in (LinearRegression(), Ridge(alpha=200.0)):
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                model.fit(features, target), name="model", input_example=features.head(3),
                registered_model_name=name,
            )
    loader = tmp_path_factory.mktemp("loader") / "broken_loader.py"
    loader.write_text(BROKEN_LOADER)
    with mlflow.start_run():
        mlflow.pyfunc.log_model(
            name="model", loader_module="broken_loader", code_paths=[str(loader)],
            registered_model_name=name,
        )
    MlflowClient().set_registered_model_alias(name, "prod", "1")
    return name, features


def cli(sextant, cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "deploy", *args, "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=180, cwd=cwd,
    )
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def events(sextant, cwd: Path, deployment: str) -> list[dict]:
    out = cli(sextant, cwd, "logs", deployment, "--json").stdout
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def served(sextant, versions, tmp_path_factory):
    name, _ = versions
    cwd = tmp_path_factory.mktemp("live")
    (cwd / "sextant.yaml").write_text(
        f"""
deployments:
  live-api:
    model: models:/{name}@prod
    replicas: 2
  burst-api:
    model: models:/{name}/1
    replicas: {{ min: 1, max: 3 }}
    autoscaling:
      target_concurrency: 1
      stable_window_s: 6
      panic_window_percent: 25
      scale_down_delay_s: 2
"""
    )
    log = cwd / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store),
             "--python", PYTHON],
            stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
        )
    deadline = time.monotonic() + 180
    urls: dict[str, str] = {}
    while time.monotonic() < deadline and len(urls) < 2:
        urls = dict(READY.findall(log.read_text(errors="replace")))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    if len(urls) < 2:
        process.kill()
        pytest.fail("sextant deploy up did not become ready:\n" + log.read_text(errors="replace"))
    yield {"urls": urls, "cwd": cwd, "process": process, "log": log}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


class Load:
    """Callers posting the same rows in a loop; each answer kept with its start and end times."""

    def __init__(self, url: str, rows, callers: int):
        self.url, self.body, self.callers = url, {"dataframe_records": rows}, callers
        self.stop = threading.Event()
        self.answers: list[tuple[float, float, int, object]] = []
        self.pool = ThreadPoolExecutor(callers)
        self.futures = []

    def caller(self):
        session = requests.Session()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                answer = session.post(f"{self.url}/invocations", json=self.body, timeout=60)
                self.answers.append((started, time.monotonic(), answer.status_code, answer.json()))
            except requests.RequestException as error:
                self.answers.append((started, time.monotonic(), 0, str(error)))

    def __enter__(self):
        self.futures = [self.pool.submit(self.caller) for _ in range(self.callers)]
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for f in self.futures:
            f.result()
        self.pool.shutdown()

    def failed(self):
        return [a for a in self.answers if a[2] != 200]


def worker_pids(process) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_rolling_update_kill_9_and_a_failed_update_under_load(sextant, versions, served):
    import mlflow.pyfunc
    from mlflow import MlflowClient

    name, features = versions
    url, cwd, process = served["urls"]["live-api"], served["cwd"], served["process"]
    rows = features.head(4).to_dict(orient="records")
    want = {
        v: {"predictions": mlflow.pyfunc.load_model(f"models:/{name}/{v}").predict(features.head(4)).tolist()}
        for v in ("1", "2")
    }
    assert want["1"] != want["2"]
    before = worker_pids(process)
    assert len(before) == 3, "live-api's two replicas and burst-api's one"

    # (a) A new version behind the alias, rolled out while 8 callers send requests.
    with Load(url, rows, 8) as load:
        time.sleep(1.5)
        MlflowClient().set_registered_model_alias(name, "prod", "2")
        out = cli(sextant, cwd, "update", "live-api", "--reason", "ridge is better").stdout
        updated = time.monotonic()
        time.sleep(1.5)
    assert "rolled from version 1 to 2" in out, out
    assert load.failed() == [], load.failed()[:3]
    assert len(load.answers) > 100, len(load.answers)
    assert {json.dumps(a[3]) for a in load.answers} == {json.dumps(want["1"]), json.dumps(want["2"])}
    late = [a for a in load.answers if a[0] > updated]
    assert late and all(a[3] == want["2"] for a in late), "after the update only version 2 answers"
    new = worker_pids(process) - before
    assert len(new) == 2 and len(worker_pids(process)) == 3, "the old replicas were stopped"

    # (b) A replica of the new version killed with SIGKILL under load: no request fails.
    with Load(url, rows, 8) as load:
        time.sleep(1.0)
        victim = sorted(new)[0]
        subprocess.run(["kill", "-9", str(victim)], check=True)
        time.sleep(2.0)
    assert load.failed() == [], load.failed()[:3]
    assert len(load.answers) > 50 and all(a[3] == want["2"] for a in load.answers)

    # (c) The spec now names a version that cannot load: version 2 keeps serving, status says why;
    # the replicas changed too, which applies at the next `deploy up`, and the update says so.
    spec = cwd / "sextant.yaml"
    spec.write_text(
        spec.read_text()
        .replace(f"models:/{name}@prod", f"models:/{name}/3")
        .replace("replicas: 2", "replicas: 3")
    )
    with Load(url, rows, 8) as load:
        done = cli(sextant, cwd, "update", "live-api", ok=False)
        time.sleep(0.5)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not updated, version 2 keeps serving" in done.stdout, done.stdout
    assert "weights of this version are corrupt" in done.stdout, done.stdout
    assert "replicas changed in the spec; these apply at the next sextant deploy up" in done.stdout
    assert load.failed() == [], load.failed()[:3]
    assert all(a[3] == want["2"] for a in load.answers)
    status = json.loads(cli(sextant, cwd, "status", "live-api", "--json").stdout)
    assert status["state"]["status"] == "running" and status["running"]
    assert [v["version"] for v in status["state"]["variants"]] == ["2"]
    failure = status["state"]["failure"]
    assert failure["reason"].endswith("the weights of this version are corrupt (checksum mismatch)")
    assert "\n" not in failure["reason"] and "broken_loader.py" in failure["detail"]
    assert status["state"]["failure"]["version"] == "3"
    assert "failed at" in cli(sextant, cwd, "status", "live-api").stdout

    recorded = events(sextant, cwd, "live-api")
    kinds = [e["kind"] for e in recorded]
    assert kinds[0] == "deploy" and "replica_crash" in kinds, kinds
    assert [k for k in kinds if k.startswith("update")] == ["update", "update_failed"], kinds
    update = next(e for e in recorded if e["kind"] == "update")
    assert update["reason"] == "ridge is better"
    assert update["details"]["from"]["version"] == "1" and update["details"]["to"]["version"] == "2"
    assert update["state"]["variants"][0]["version"] == "2"
    failed = next(e for e in recorded if e["kind"] == "update_failed")
    assert "corrupt" in failed["details"]["reason"] and failed["details"]["to"]["version"] == "3"
    assert failed["details"]["uri"] == f"models:/{name}/3"


def replicas(url: str) -> dict[str, int]:
    metrics = requests.get(f"{url}/metrics", timeout=5).text
    found = re.findall(
        r'sextant_serving_deployment_replicas\{deployment="burst-api",variant="champion",state="(\w+)"\} (\d+)',
        metrics,
    )
    return {state: int(n) for state, n in found}


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_autoscaling_scales_up_on_a_burst_and_down_after_the_quiet(sextant, versions, served):
    _, features = versions
    url, cwd = served["urls"]["burst-api"], served["cwd"]
    rows = features.head(4).to_dict(orient="records")
    assert replicas(url) == {"target": 1, "ready": 1, "starting": 0}

    # A burst of 12 concurrent callers: panic mode scales up within the 1.5 s panic window.
    burst_started = time.time()
    with Load(url, rows, 12) as load:
        wait_for(lambda: replicas(url).get("ready") == 3, 60, "3 ready replicas")
        time.sleep(1.0)
    quiet_since = time.time()
    assert load.failed() == [], load.failed()[:3]
    ups = [e for e in events(sextant, cwd, "burst-api") if e["kind"] == "scale"]
    assert ups and ups[0]["user"] == "autoscaler", ups
    first = ups[0]["details"]
    assert first["from"] == 1 and first["to"] > 1, first
    assert first["stableWindowMs"] == 6000 and first["panicWindowMs"] == 1500
    panic = next(e["details"] for e in ups if e["details"]["mode"] == "panic")
    assert panic["panicConcurrency"] >= panic["targetConcurrency"] * 2 * panic["readyReplicas"]
    assert ups[0]["time"] / 1000 - burst_started < 1.5 + 1.0, "decided within the panic window"
    assert ups[-1]["state"]["variants"][0]["replicas"] == 3

    # Quiet: back to min once panic ends (a stable window after the burst) and the delay passed.
    wait_for(lambda: replicas(url) == {"target": 1, "ready": 1, "starting": 0}, 60, "1 replica")
    down = [e for e in events(sextant, cwd, "burst-api") if e["kind"] == "scale"][-1]
    assert down["user"] == "autoscaler" and down["details"]["to"] == 1, down
    assert down["details"]["mode"] == "stable" and down["details"]["from"] > 1
    assert down["time"] / 1000 - quiet_since >= 2.0, "not before the scale-down delay"
    assert down["state"]["variants"][0]["replicas"] == 1

    # By hand: the count holds (the autoscaler paused), recorded with who; then back to auto.
    out = cli(sextant, cwd, "scale", "burst-api", "--replicas", "2", "--reason", "load test").stdout
    assert "champion 2 replica(s)" in out and "autoscaled" not in out, out
    assert replicas(url) == {"target": 2, "ready": 2, "starting": 0}
    time.sleep(2.0)
    assert replicas(url)["target"] == 2, "the autoscaler does not undo a count set by hand"
    manual = [e for e in events(sextant, cwd, "burst-api") if e["kind"] == "scale"][-1]
    assert manual["user"] != "autoscaler" and manual["reason"] == "load test"
    assert manual["details"]["after"] == {"champion": 2} and manual["details"]["manual"] is True
    assert "(autoscaled)" in cli(sextant, cwd, "scale", "burst-api", "--auto").stdout
    wait_for(lambda: replicas(url).get("target") == 1, 30, "the autoscaler back at min")
    bad = cli(sextant, cwd, "scale", "burst-api", "--replicas", "0", ok=False)
    assert bad.returncode != 0 and "whole number >= 1" in bad.stderr, bad.stderr
