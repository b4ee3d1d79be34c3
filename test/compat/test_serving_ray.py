"""`compute: ray`: a deployment served on Ray Serve in a local cluster (`ray start --head`, as the
pipelines' Ray test starts one), behind Sextant's endpoint: a real sklearn model, logged and
registered by the mlflow client, predicts through it exactly as `mlflow.pyfunc.load_model` does,
with the replicas asked for running in Ray Serve.

Runs where Ray Serve is installed (test/requirements.txt pins `ray[default,serve]`, which
scripts/setup.sh and CI install)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import REPO, SEXTANT_BIN

try:
    import ray.serve  # noqa: F401

    SERVE = True
except ImportError:
    SERVE = False

pytestmark = pytest.mark.skipif(
    not SERVE, reason="ray[serve] is not installed here (scripts/setup.sh installs test/requirements.txt)"
)

PYTHON = str(REPO / ".venv" / "bin" / "python")
RAY = str(REPO / ".venv" / "bin" / "ray")
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def session_members(sid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[3]) == sid:
            members.append(int(entry))
    return members


def kill_session(sid: int) -> None:
    for pid in session_members(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def raylet_crashed(temp: Path) -> bool:
    """Ray 2.60's raylet aborts when the dashboard agent is slow to report its ports, which a busy
    two-core machine can make it (the pipelines' Ray test retries for the same reason)."""
    try:
        return "Check failed" in (temp / "session_latest" / "logs" / "raylet.out").read_text(errors="replace")
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A one-node Ray cluster of its own (its own ports, temp dir and session), stopped after."""
    output = ""
    for attempt in range(5):
        temp = tmp_path_factory.mktemp(f"ray{attempt}")
        gcs, client, agent, agent_grpc, runtime_env, metrics, dashboard = free_ports(7)
        process = subprocess.Popen(
            [RAY, "start", "--head", f"--port={gcs}", "--node-ip-address=127.0.0.1",
             f"--ray-client-server-port={client}", f"--dashboard-agent-listen-port={agent}",
             f"--dashboard-agent-grpc-port={agent_grpc}", f"--runtime-env-agent-port={runtime_env}",
             f"--metrics-export-port={metrics}", f"--dashboard-port={dashboard}",
             "--dashboard-host=127.0.0.1", "--include-dashboard=false", "--num-cpus=4",
             f"--temp-dir={temp}", "--disable-usage-stats"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_raylet_start_wait_time_s": "180",
                 "RAY_agent_register_timeout_ms": "120000"},
        )
        deadline = time.monotonic() + 240
        while process.poll() is None and not raylet_crashed(temp) and time.monotonic() < deadline:
            time.sleep(0.5)
        if process.poll() == 0 and not raylet_crashed(temp):
            break
        output = (process.stdout.read().decode(errors="replace") if process.poll() is not None else "")
        kill_session(process.pid)
    else:
        pytest.fail("ray start --head failed five times:\n" + output[-3000:])
    yield f"127.0.0.1:{gcs}"
    kill_session(process.pid)


def test_a_sklearn_model_on_ray_serve_predicts_as_pyfunc_does(sextant, cluster, tmp_path):
    import mlflow
    import mlflow.pyfunc
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import ElasticNet

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    name = f"diabetes-ray-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"ray-{name}")
    with mlflow.start_run():
        mlflow.sklearn.log_model(ElasticNet(alpha=0.01).fit(X, y), name="model",
                                 input_example=X.head(3), registered_model_name=name)
    (http_port,) = free_ports(1)
    (tmp_path / "sextant.yaml").write_text(f"""
deployments:
  diabetes-ray:
    model: models:/{name}/1
    compute: ray
    replicas: 2
    batching: {{ max_batch_size: 8, max_delay_ms: 5 }}
    ray: {{ address: "{cluster}", python: {PYTHON}, http_port: {http_port} }}
""")
    log = tmp_path / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store)],
            stdout=sink, stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + 300
        match = None
        while time.monotonic() < deadline and match is None and process.poll() is None:
            match = READY.search(log.read_text(errors="replace"))
            time.sleep(0.5)
        assert match, "sextant deploy up did not become ready:\n" + log.read_text(errors="replace")[-4000:]
        url = match.group(2)

        want = mlflow.pyfunc.load_model(f"models:/{name}/1").predict(X).tolist()
        split = requests.post(f"{url}/invocations", json={"dataframe_split": X.to_dict(orient="split")},
                              timeout=60)
        assert split.status_code == 200, split.text
        assert split.json() == {"predictions": want}
        records = requests.post(f"{url}/invocations",
                                json={"dataframe_records": X.head(5).to_dict(orient="records")}, timeout=60)
        assert records.json() == {"predictions": want[:5]}
        oip = requests.post(f"{url}/v2/models/{name}/infer", json={"inputs": [
            {"name": c, "shape": [10], "datatype": "FP64", "data": X[c].head(10).tolist()} for c in X.columns
        ]}, timeout=60)
        assert oip.status_code == 200, oip.text
        assert oip.json()["outputs"][0]["data"] == want[:10]
        bad = requests.post(f"{url}/invocations", json={"dataframe_records": [{"age": "old"}]}, timeout=60)
        assert bad.status_code == 400, bad.text

        # Ray Serve runs the two replicas asked for, on the cluster.
        import ray
        from ray import serve

        ray.init(address=cluster, namespace="sextant", log_to_driver=False)
        try:
            app = serve.status().applications["diabetes-ray-champion"]
            states = {getattr(k, "value", k): v for k, v in app.deployments["SextantModel"].replica_states.items()}
            assert states == {"RUNNING": 2}, states
        finally:
            ray.shutdown()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    assert "Stopped" in log.read_text(errors="replace") or process.returncode == 0


def test_the_serve_deployment_answers_sextants_items_as_pyfunc_does(tmp_path):
    """The Serve deployment itself, in Ray Serve's local testing mode (no cluster): the model's
    files and Sextant's worker travel in its arguments, and it answers frames of worker items."""
    import sys

    import mlflow.pyfunc
    import mlflow.sklearn
    from ray import serve
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    sys.path.insert(0, str(REPO / "core" / "python"))
    import sextant_ray_serve

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    mlflow.sklearn.save_model(Ridge().fit(X, y), str(tmp_path / "model"), input_example=X.head(2))
    worker_source = (REPO / "core" / "python" / "sextant_serve.py").read_text()
    app = sextant_ray_serve.make_deployment(serve).bind(
        sextant_ray_serve.model_files(str(tmp_path / "model")), worker_source
    )
    handle = serve.run(app, name="local-check", route_prefix="/local-check", _local_testing_mode=True)
    assert handle.describe.remote().result()["inputs"][0]["name"] == "age"

    class Frame:
        async def json(self):
            return {"items": [
                {"mlflow": {"dataframe_split": X.head(4).to_dict(orient="split")}},
                {"mlflow": {"dataframe_records": [{"age": 1.0}]}},
            ]}

    import json

    answer = handle.remote(Frame()).result()
    results = json.loads(answer.body)["results"]
    want = mlflow.pyfunc.load_model(str(tmp_path / "model")).predict(X.head(4)).tolist()
    assert results[0] == {"predictions": want}
    assert results[1]["status"] == 400 and "missing inputs" in results[1]["error"]
