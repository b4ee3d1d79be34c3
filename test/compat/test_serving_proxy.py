"""Runtime `proxy`: a deployment whose model runs in a real MLServer (`mlserver start`, from PyPI,
in its own .venv-mlserver) and whose requests Sextant forwards over the Open Inference Protocol:
predictions equal MLServer's own and the model's, MLflow's scoring protocol is translated to OIP,
batching, metrics and the request log stay Sextant's, and the upstream is health-checked."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import REPO, SEXTANT_BIN

MLSERVER = REPO / ".venv-mlserver" / "bin" / "mlserver"
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


class MLServer:
    """`mlserver start` on a folder holding settings.json and the model's model-settings.json."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port, self.url = folder, port, f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.folder / "mlserver.log", "ab")
        self.process = subprocess.Popen(
            [str(MLSERVER), "start", str(self.folder)], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: requests.get(f"{self.url}/v2/health/ready", timeout=2).status_code == 200,
            120, "MLServer to be ready:\n" + (self.folder / "mlserver.log").read_text(errors="replace")[-3000:],
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            import os
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def model(sextant):
    """An iris classifier logged and registered by the real mlflow client, and its local copy."""
    import mlflow
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    if not MLSERVER.exists():
        pytest.fail(f"{MLSERVER} is missing: run scripts/setup.sh (it installs test/requirements-mlserver.txt)")
    X, y = load_iris(return_X_y=True, as_frame=True)
    name = f"iris-proxy-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"proxy-{name}")
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            LogisticRegression(max_iter=500).fit(X, y), name="model", input_example=X.head(3),
            registered_model_name=name,
        )
    local = mlflow.artifacts.download_artifacts(f"models:/{name}/1")
    return name, Path(local), X


@pytest.fixture(scope="module")
def upstream(model, tmp_path_factory):
    name, local, _ = model
    folder = tmp_path_factory.mktemp("mlserver")
    port = free_port()
    (folder / "settings.json").write_text(json.dumps({
        "host": "127.0.0.1", "http_port": port, "grpc_port": free_port(),
        "metrics_port": free_port(), "parallel_workers": 0,
    }))
    (folder / "model-settings.json").write_text(json.dumps({
        "name": name, "implementation": "mlserver_mlflow.MLflowRuntime",
        "parameters": {"uri": str(local)},
    }))
    server = MLServer(folder, port)
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def deployment(sextant, model, upstream, tmp_path_factory):
    name, _, _ = model
    cwd = tmp_path_factory.mktemp("proxy")
    (cwd / "sextant.yaml").write_text(f"""
deployments:
  iris-proxy:
    model: models:/{name}/1
    runtime: proxy
    url: {upstream.url}
    replicas: 2
    batching: {{ max_batch_size: 16, max_delay_ms: 5 }}
""")
    log = cwd / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store)],
            stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
        )
    match = wait_for(lambda: READY.search(log.read_text(errors="replace")) or process.poll() is not None,
                     120, "sextant deploy up")
    if match is True or process.poll() is not None:
        pytest.fail("sextant deploy up ended:\n" + log.read_text(errors="replace"))
    yield {"url": match.group(2), "log": log}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def columns_request(X) -> dict:
    return {
        "inputs": [
            {"name": c, "shape": [len(X), 1], "datatype": "FP64", "data": X[c].tolist()} for c in X.columns
        ],
        "parameters": {"content_type": "pd"},
    }


def test_predictions_through_sextant_equal_mlservers_own(model, upstream, deployment):
    import mlflow.pyfunc

    name, _, X = model
    url = deployment["url"]
    rows = X.sample(20, random_state=3)
    want = mlflow.pyfunc.load_model(f"models:/{name}/1").predict(rows).tolist()

    direct = requests.post(f"{upstream.url}/v2/models/{name}/infer", json=columns_request(rows), timeout=30)
    through = requests.post(f"{url}/v2/models/{name}/infer", json=columns_request(rows), timeout=30)
    assert direct.status_code == 200 and through.status_code == 200, (direct.text, through.text)
    assert through.json()["model_name"] == name and through.json()["model_version"] == "1"
    assert [o["data"] for o in through.json()["outputs"]] == [o["data"] for o in direct.json()["outputs"]]
    assert through.json()["outputs"][0]["data"] == want
    assert through.headers["x-sextant-variant"] == "champion"

    # MLflow's scoring protocol, translated to OIP, answers as MLServer's own /invocations does.
    split = {"dataframe_split": rows.to_dict(orient="split")}
    own = requests.post(f"{upstream.url}/invocations", json=split, timeout=30)
    assert own.status_code == 200, own.text
    for body in (
        split,
        {"dataframe_records": rows.to_dict(orient="records")},
        {"dataframe_split": {"data": rows.values.tolist()}},
    ):
        answer = requests.post(f"{url}/invocations", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json() == own.json() == {"predictions": want}
    csv = requests.post(f"{url}/invocations", data=rows.to_csv(index=False),
                        headers={"content-type": "text/csv"}, timeout=30)
    assert csv.status_code == 200, csv.text
    assert csv.json() == {"predictions": want}

    # The endpoint's metadata is the upstream's, and its version string names the upstream server.
    meta = requests.get(f"{url}/v2/models/{name}", timeout=10).json()
    assert [t["name"] for t in meta["inputs"]] == list(X.columns)
    assert requests.get(f"{url}/version", timeout=10).text == "mlserver 1.7.1"


def test_concurrent_requests_are_batched_upstream_and_each_gets_its_own_rows(model, upstream, deployment):
    import mlflow.pyfunc

    before = len(re.findall(r"POST /v2/models/\S+/infer", (upstream.folder / "mlserver.log").read_text()))
    name, _, X = model
    url = deployment["url"]
    predict = mlflow.pyfunc.load_model(f"models:/{name}/1").predict
    chunks = [X.iloc[i:i + 3 + i % 4] for i in range(0, 140, 7)]

    def call(rows):
        answer = requests.post(f"{url}/invocations", json={"dataframe_split": rows.to_dict(orient="split")},
                               timeout=30)
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(call, chunks * 4))
    for rows, (status, body) in zip(chunks * 4, answers):
        assert status == 200, body
        assert body["predictions"] == predict(rows).tolist()
    metrics = requests.get(f"{url}/metrics", timeout=10).text
    served = re.search(r'sextant_serving_requests_total\{[^}]*protocol="mlflow",status="200"\} (\d+)', metrics)
    assert served and int(served.group(1)) >= len(answers), metrics[:2000]
    # Requests waiting together went upstream as one request: MLServer saw fewer than were sent.
    upstream_calls = len(re.findall(r"POST /v2/models/\S+/infer", (upstream.folder / "mlserver.log").read_text()))
    assert upstream_calls - before < len(answers), (upstream_calls - before, len(answers))


def test_bad_input_is_a_400_and_the_deployment_keeps_serving(model, deployment):
    name, _, X = model
    url = deployment["url"]
    wrong_type = columns_request(X.head(2))
    wrong_type["inputs"][0]["data"] = ["a", "b"]
    answer = requests.post(f"{url}/v2/models/{name}/infer", json=wrong_type, timeout=30)
    assert answer.status_code == 400 and "FP64" in answer.json()["error"], answer.text
    missing = {"dataframe_records": [{"sepal length (cm)": 1.0}]}
    answer = requests.post(f"{url}/invocations", json=missing, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "missing input 'sepal width (cm)'" in answer.json()["message"], answer.text
    # What Sextant cannot check, the upstream refuses: its answer comes back as a 400 naming it.
    text = {"dataframe_split": {"columns": list(X.columns), "data": [["x", 1.0, 1.0, 1.0]]}}
    answer = requests.post(f"{url}/invocations", json=text, timeout=30)
    assert answer.status_code == 400 and "FP64" in answer.json()["message"], answer.text
    answer = requests.post(f"{url}/invocations", json={"dataframe_split": X.head(2).to_dict(orient="split")},
                           timeout=30)
    assert answer.status_code == 200, answer.text


def test_upstream_health_is_checked_and_serving_resumes_when_it_is_back(model, upstream, deployment):
    name, _, X = model
    url = deployment["url"]
    upstream.kill()
    wait_for(lambda: requests.get(f"{url}/v2/health/ready", timeout=5).status_code == 503, 30,
             "Sextant to see the upstream gone")
    answer = requests.post(f"{url}/invocations", json={"dataframe_split": X.head(2).to_dict(orient="split")},
                           timeout=30)
    assert answer.status_code == 503 and "Retry-After" in answer.headers, answer.text
    upstream.start()
    wait_for(lambda: requests.get(f"{url}/v2/health/ready", timeout=5).status_code == 200, 60,
             "Sextant to reconnect to the upstream")
    answer = requests.post(f"{url}/invocations", json={"dataframe_split": X.head(2).to_dict(orient="split")},
                           timeout=30)
    assert answer.status_code == 200, answer.text
