"""`sextant serve`: registered models behind the Open Inference Protocol and MLflow's scoring
protocol, called with plain `requests` (as MLflow documents) and with `tritonclient[http]`.

The models are logged and registered by the real mlflow client into the session's server; the
served predictions must equal `mlflow.pyfunc.load_model(...).predict` on the same rows.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from conftest import REPO, SEXTANT_BIN

PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready", re.M)
URL = re.compile(r"at (http://\S+) \(python")


class Served:
    """A running `sextant serve` and its URL."""

    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def serve(sextant, tmp_path: Path, model: str, *args: str) -> Served:
    log = tmp_path / f"serve-{uuid.uuid4().hex[:6]}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "serve", "-m", model, "--store", str(sextant.store),
             "--port", "0", "--python", PYTHON, *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if READY.search(text):
            return Served(process, URL.search(text).group(1), log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    pytest.fail("sextant serve did not become ready:\n" + log.read_text(errors="replace"))


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def registered(sextant, iris):
    """A logistic regression logged with a signature, registered as version 1, alias champion."""
    import mlflow
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    name = f"iris-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"serving-{name}")
    with mlflow.start_run():
        model = LogisticRegression(max_iter=500).fit(X, y)
        info = mlflow.sklearn.log_model(
            model, name="model", input_example=X.head(3), registered_model_name=name
        )
    MlflowClient().set_registered_model_alias(name, "champion", "1")
    return name, info.model_uri




@pytest.fixture(scope="module")
def custom(sextant):
    """A custom pyfunc: doubles column `x`; sleeps 30 s on x == -1 (a worker that hangs)."""
    import mlflow
    from mlflow.models import infer_signature

    class Doubler(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            import time as t

            if (model_input["x"] == -1).any():
                t.sleep(30)
            return pd.DataFrame({"doubled": model_input["x"] * 2.0, "label": "ok"})

    frame = pd.DataFrame({"x": [1.0, 2.5]})
    name = f"doubler-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"serving-{name}")
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=Doubler(),
            signature=infer_signature(frame, Doubler().predict(None, frame)),
            registered_model_name=name,
        )
    return name, info.model_uri


@pytest.fixture(scope="module")
def served(sextant, registered, tmp_path_factory):
    name, _ = registered
    server = serve(sextant, tmp_path_factory.mktemp("serve"), f"models:/{name}@champion",
                   "--replicas", "2")
    yield server
    assert server.stop() == 0, server.output()
    assert "internal error" not in server.output()


def expected(model_uri: str, frame: pd.DataFrame) -> list:
    import mlflow.pyfunc

    return np.asarray(mlflow.pyfunc.load_model(model_uri).predict(frame)).tolist()


def test_mlflow_scoring_protocol_predictions_equal_pyfunc(served, registered, iris):
    name, uri = registered
    X, _ = iris
    rows = X.sample(20, random_state=1)
    want = expected(uri, rows)
    url = f"{served.url}/invocations"
    bodies = [
        {"dataframe_split": rows.to_dict(orient="split")},
        {"dataframe_records": rows.to_dict(orient="records")},
        {"instances": rows.to_dict(orient="records")},
        {"inputs": rows.to_dict(orient="list")},
    ]
    for body in bodies:
        answer = requests.post(url, json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"predictions": want}, body.keys()
    answer = requests.post(
        url, data=rows.to_csv(index=False), headers={"Content-Type": "text/csv"}, timeout=30
    )
    assert answer.json() == {"predictions": want}
    assert requests.get(f"{served.url}/ping", timeout=5).status_code == 200
    assert requests.get(f"{served.url}/health", timeout=5).status_code == 200
    import mlflow

    assert requests.get(f"{served.url}/version", timeout=5).text == mlflow.__version__


def test_oip_with_tritonclient(served, registered, iris):
    import tritonclient.http as httpclient

    name, uri = registered
    X, _ = iris
    rows = X.sample(7, random_state=2)
    client = httpclient.InferenceServerClient(url=served.url.removeprefix("http://"))
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(name)
    assert client.is_model_ready(name, "1")
    metadata = client.get_model_metadata(name)
    assert metadata["name"] == name and metadata["versions"] == ["1"]
    assert [i["name"] for i in metadata["inputs"]] == list(X.columns)
    assert {i["datatype"] for i in metadata["inputs"]} == {"FP64"}
    assert client.get_server_metadata()["name"] == "sextant"

    inputs = []
    for column in X.columns:
        tensor = httpclient.InferInput(column, [len(rows)], "FP64")
        tensor.set_data_from_numpy(rows[column].to_numpy(dtype=np.float64))
        inputs.append(tensor)
    result = client.infer(name, inputs, request_id="req-1")
    assert result.as_numpy("predictions").tolist() == expected(uri, rows)
    assert result.get_response()["id"] == "req-1"

    # One [rows, columns] tensor, binary-free JSON, FP32: mapped onto the signature's columns.
    whole = httpclient.InferInput("features", [len(rows), 4], "FP32")
    whole.set_data_from_numpy(rows.to_numpy(dtype=np.float32), binary_data=False)
    result = client.infer(name, [whole], model_version="1")
    assert result.as_numpy("predictions").tolist() == expected(uri, rows.astype(np.float32))

    from tritonclient.utils import InferenceServerException

    bad = httpclient.InferInput("features", [1, 3], "FP32")
    bad.set_data_from_numpy(np.ones((1, 3), dtype=np.float32), binary_data=False)
    with pytest.raises(InferenceServerException, match="3 columns; the model takes 4"):
        client.infer(name, [bad])
    with pytest.raises(InferenceServerException, match="no model named"):
        client.get_model_metadata("nope")


def test_bad_input_gets_400_and_the_server_keeps_serving(served, registered, iris):
    name, uri = registered
    X, _ = iris
    infer = f"{served.url}/v2/models/{name}/infer"
    column = lambda n, dt="FP64", shape=(1,), data=(1.0,): {  # noqa: E731
        "name": n, "datatype": dt, "shape": list(shape), "data": list(data)}
    cases = [
        (infer, {"inputs": [column("x", shape=(2, 4), data=[1.0] * 7)]}, "holds 8 elements"),
        (infer, {"inputs": [column(c, dt="INT64", data=[1.5]) for c in X.columns]}, "whole numbers"),
        (infer, {"inputs": [column(c, dt="FLOAT") for c in X.columns]}, "is not one of"),
        (infer, {"inputs": [column(c) for c in X.columns[:3]]}, "missing input"),
        (infer, {"inputs": []}, "non-empty list"),
        (f"{served.url}/invocations", {"dataframe_records": [{"sepal length (cm)": "a"}]},
         "signature"),
        (f"{served.url}/invocations", {"rows": []}, "exactly one of the keys"),
    ]
    for url, body, message in cases:
        answer = requests.post(url, json=body, timeout=30)
        assert answer.status_code == 400, (body, answer.text)
        text = answer.json().get("error") or answer.json().get("message")
        assert message in text, (body, text)
    answer = requests.post(infer, data="{not json", timeout=30)
    assert answer.status_code == 400 and "not valid JSON" in answer.json()["error"]
    big = b'{"dataframe_records": [' + b" " * (50 * 1024 * 1024) + b"]}"
    answer = requests.post(f"{served.url}/invocations", data=big,
                           headers={"Content-Type": "application/json"}, timeout=60)
    assert answer.status_code == 400 and "larger than the limit" in answer.json()["message"]
    # Still serving.
    rows = X.head(4)
    answer = requests.post(f"{served.url}/invocations",
                           json={"dataframe_split": rows.to_dict(orient="split")}, timeout=30)
    assert answer.json() == {"predictions": expected(uri, rows)}


def test_requests_are_logged_with_their_id_and_metrics_exported(served, registered, sextant):
    name, _ = registered
    request_id = f"trace-{uuid.uuid4().hex}"
    answer = requests.post(
        f"{served.url}/invocations",
        json={"inputs": {"sepal length (cm)": [5.0], "sepal width (cm)": [3.0],
                         "petal length (cm)": [1.5], "petal width (cm)": [0.2]}},
        headers={"X-Request-Id": request_id}, timeout=30,
    )
    assert answer.status_code == 200
    assert answer.headers["X-Request-Id"] == request_id
    assert re.fullmatch(r"[0-9a-f-]{36}", requests.get(f"{served.url}/ping").headers["X-Request-Id"])
    deadline = time.monotonic() + 5
    row = None
    while time.monotonic() < deadline and row is None:
        with sqlite3.connect(sextant.store / "sextant.db") as db:
            row = db.execute(
                "SELECT model, version, protocol, status, inputs, outputs, latency_ms"
                " FROM inference_log WHERE request_id = ?", (request_id,)
            ).fetchone()
        time.sleep(0.1)
    assert row is not None, "the request never reached the inference log"
    assert row[:4] == (name, "1", "mlflow", 200)
    assert "sepal length (cm)" in row[4] and row[5] == answer.text and row[6] > 0
    metrics = requests.get(f"{served.url}/metrics", timeout=5).text
    for family in ("sextant_serving_requests_total", "sextant_serving_errors_total",
                   "sextant_serving_request_duration_seconds_bucket",
                   "sextant_serving_batch_size_bucket", "sextant_serving_queue_depth"):
        assert f"{family}{{" in metrics, family
    assert f'sextant_serving_replicas{{model="{name}",version="1",state="ready"}} 2' in metrics


def test_kill_9_a_replica_under_load_fails_no_request(served, registered, iris):
    _, uri = registered
    X, _ = iris
    rows = X.head(5)
    want = {"predictions": expected(uri, rows)}
    body = {"dataframe_split": rows.to_dict(orient="split")}
    stop = threading.Event()
    outcomes: list[tuple[int, object]] = []

    def load():
        session = requests.Session()
        while not stop.is_set():
            answer = session.post(f"{served.url}/invocations", json=body, timeout=60)
            outcomes.append((answer.status_code, answer.json()))

    before = served.worker_pids()
    assert len(before) == 2
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(load) for _ in range(8)]
        time.sleep(1.0)
        os.kill(before[0], signal.SIGKILL)
        time.sleep(2.0)
        stop.set()
        for f in futures:
            f.result()
    failed = [o for o in outcomes if o != (200, want)]
    assert len(outcomes) > 50
    assert failed == [], failed[:3]
    assert "died" in served.output()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(served.worker_pids()) < 2:
        time.sleep(0.2)
    after = served.worker_pids()
    assert len(after) == 2 and before[0] not in after


def test_custom_pyfunc_hanging_worker_is_timed_out_and_replaced(sextant, custom, tmp_path):
    name, uri = custom
    server = serve(sextant, tmp_path, f"models:/{name}/1", "--timeout-ms", "2000",
                   "--max-batch-size", "8", "--max-batch-delay-ms", "5")
    try:
        frame = pd.DataFrame({"x": [1.0, 4.0, 0.5]})
        import mlflow.pyfunc

        want = mlflow.pyfunc.load_model(uri).predict(frame).to_dict(orient="records")
        url = f"{server.url}/invocations"
        answer = requests.post(url, json={"dataframe_split": frame.to_dict(orient="split")})
        assert answer.json() == {"predictions": want}
        # OIP: a DataFrame's columns come back as one output each.
        oip = requests.post(f"{server.url}/v2/models/{name}/infer", json={"inputs": [
            {"name": "x", "shape": [3], "datatype": "FP64", "data": frame["x"].tolist()}]}).json()
        outputs = {o["name"]: o for o in oip["outputs"]}
        assert outputs["doubled"]["data"] == [2.0, 8.0, 1.0]
        assert outputs["label"] == {"name": "label", "shape": [3], "datatype": "BYTES",
                                    "data": ["ok", "ok", "ok"]}
        # Concurrent requests are batched, and each still gets its own rows back.
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(
                lambda i: requests.post(url, json={"dataframe_records": [{"x": float(i)}]}).json(),
                range(64)))
        assert answers == [{"predictions": [{"doubled": 2.0 * i, "label": "ok"}]} for i in range(64)]
        metrics = requests.get(f"{server.url}/metrics").text
        assert re.search(r'sextant_serving_batch_size_bucket\{le="1",[^}]*\} (\d+)', metrics)

        started = time.monotonic()
        hung = requests.post(url, json={"dataframe_records": [{"x": -1.0}]}, timeout=60)
        assert hung.status_code == 504 and "did not answer in 2000 ms" in hung.json()["message"]
        assert time.monotonic() - started < 10
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline:
            answer = requests.post(url, json={"dataframe_split": frame.to_dict(orient="split")})
            if answer.status_code == 200:
                break
            time.sleep(0.2)
        assert answer.json() == {"predictions": want}
        assert "timed out" in server.output()
    finally:
        assert server.stop() == 0, server.output()


def test_ctrl_c_stops_cleanly_with_no_orphan_workers(sextant, registered, tmp_path):
    name, _ = registered
    server = serve(sextant, tmp_path, f"models:/{name}/1", "--replicas", "2")
    pids = server.worker_pids()
    assert len(pids) == 2
    # A keep-alive client still connected does not hold the server open.
    session = requests.Session()
    assert session.get(f"{server.url}/ping", timeout=5).status_code == 200
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
    time.sleep(0.5)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_unknown_model_and_bad_options_are_clear_errors(sextant, tmp_path):
    for args, message in [
        (["-m", "models:/no-such-model/1"], "no-such-model"),
        (["-m", "models:/x/1", "--env", "conda"], "--env takes local or model"),
        (["-m", "models:/x/1", "--replicas", "0"], "--replicas takes a whole number"),
    ]:
        done = subprocess.run(
            ["node", str(SEXTANT_BIN), "serve", *args, "--store", str(sextant.store), "--port", "0"],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )
        assert done.returncode != 0
        assert message in done.stderr, done.stderr


def test_the_worker_channel_writes_nan_and_infinity_as_null():
    import io
    import struct
    import sys

    sys.path.insert(0, str(REPO / "core" / "python"))
    import sextant_serve
    from mlflow.utils.proto_json_utils import NumpyEncoder

    out = io.BytesIO()
    sextant_serve.write_frame(out, {"p": np.array([1.5, np.nan, np.inf])}, NumpyEncoder)
    (length,) = struct.unpack(">I", out.getvalue()[:4])
    assert out.getvalue()[4:] == b'{"p":[1.5,null,null]}' and length == len(out.getvalue()) - 4


def test_the_workers_fast_read_of_double_columns_equals_mlflows_own(registered, iris):
    """A dataframe_split of the signature's double columns is read at once and predicted without
    the pyfunc wrapper: the frame is MLflow's own parse of it and the predictions pyfunc's; any
    other body (other columns, a string cell, ints, records) takes MLflow's way."""
    import sys

    import mlflow.pyfunc
    from mlflow.pyfunc import scoring_server

    sys.path.insert(0, str(REPO / "core" / "python"))
    import sextant_serve

    _, uri = registered
    X, _ = iris
    local = mlflow.artifacts.download_artifacts(uri)
    worker = sextant_serve.Worker(local)
    assert worker.double_columns == list(X.columns) and worker.direct is not None
    pyfunc = mlflow.pyfunc.load_model(uri)
    rows = X.sample(25, random_state=3)
    ints = rows.round().astype(int)
    for frame in (rows, ints):
        body = {"dataframe_split": frame.to_dict(orient="split")}
        fast = worker.double_frame(body)
        assert fast is not None
        pd.testing.assert_frame_equal(fast, scoring_server.infer_and_parse_data(body, worker.schema))
        assert worker.conforms(fast)
        got = worker.handle([{"mlflow": body}])
        # As MLflow reads JSON numbers of double columns: cast to float64 (pyfunc alone refuses
        # an int64 frame).
        want = np.asarray(pyfunc.predict(frame.astype("float64"))).tolist()
        assert got == [{"predictions": want}]
    split = rows.to_dict(orient="split")
    for other in (
        {"dataframe_split": {**split, "columns": list(reversed(split["columns"]))}},
        {"dataframe_split": {**split, "data": [["1.5", *split["data"][0][1:]]]}},
        {"dataframe_split": {**split, "data": [[True, *split["data"][0][1:]]]}},
        {"dataframe_split": {"data": split["data"]}},
        {"dataframe_records": rows.to_dict(orient="records")},
    ):
        assert worker.double_frame(other) is None
    assert not worker.conforms(rows[list(reversed(rows.columns))])
    assert not worker.conforms(ints)


def test_a_model_that_fails_to_load_is_refused_with_the_reason(sextant, tmp_path):
    model = tmp_path / "broken"
    model.mkdir()
    (model / "MLmodel").write_text(
        "flavors:\n  python_function:\n    loader_module: no_such_loader_module\n"
        "    python_version: 3.11.7\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "serve", "-m", str(model), "--store", str(sextant.store),
         "--port", "0", "--python", PYTHON],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "the model cannot be served" in done.stderr, done.stderr
    assert "no_such_loader_module" in done.stderr, done.stderr
    assert time.monotonic() - started < 90
    leftover = subprocess.run(["pgrep", "-f", f"sextant_serve.py {model}"], capture_output=True)
    assert leftover.stdout == b""


def test_onnx_runtime_matches_pyfunc_and_speaks_both_protocols(sextant, registered, iris, tmp_path):
    import tritonclient.http as httpclient

    name, uri = registered
    X, _ = iris
    server = serve(sextant, tmp_path, f"models:/{name}@champion", "--runtime", "onnx")
    try:
        assert re.search(r"the conversion matches the model on \d+ rows", server.output())
        rows = X.sample(30, random_state=3)
        answer = requests.post(f"{server.url}/invocations",
                               json={"dataframe_split": rows.to_dict(orient="split")}, timeout=30)
        assert answer.json() == {"predictions": expected(uri, rows)}
        answer = requests.post(f"{server.url}/invocations",
                               json={"dataframe_records": rows.to_dict(orient="records")}, timeout=30)
        assert answer.json() == {"predictions": expected(uri, rows)}
        client = httpclient.InferenceServerClient(url=server.url.removeprefix("http://"))
        tensor = httpclient.InferInput("features", [len(rows), 4], "FP32")
        tensor.set_data_from_numpy(rows.to_numpy(dtype=np.float32))
        result = client.infer(name, [tensor])
        assert result.as_numpy("predictions").tolist() == expected(uri, rows)
        probabilities = result.as_numpy("probabilities")
        assert probabilities.shape == (len(rows), 3)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
        bad = requests.post(f"{server.url}/invocations",
                            json={"dataframe_records": [{"sepal length (cm)": 1.0}]}, timeout=30)
        assert bad.status_code == 400 and "has no column 'sepal width (cm)'" in bad.json()["message"]
    finally:
        assert server.stop() == 0, server.output()


def test_onnx_runtime_refuses_a_model_it_cannot_convert(sextant, custom, tmp_path):
    name, _ = custom
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "serve", "-m", f"models:/{name}/1", "--runtime", "onnx",
         "--store", str(sextant.store), "--port", "0", "--python", PYTHON],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "cannot be converted to ONNX: only scikit-learn and LightGBM models" in done.stderr, done.stderr
