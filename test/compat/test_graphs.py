"""Inference graphs and pre/post-processing in `sextant deploy`: sklearn models logged and
registered by the real mlflow client, served in a switch, ensembles (average, vote, a Python
combine function) and a sequence behind MLflow's /invocations and the OIP, each node's latency in
/metrics and Server-Timing; user code that fails gets a clear error and serving goes on."""

from __future__ import annotations

import re
import signal
import subprocess
import time
import uuid
from collections import Counter

import numpy as np
import pytest
import requests

from conftest import REPO, SEXTANT_BIN

PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)

FEATURES = '''
import pandas as pd

SPECIES = ["setosa", "versicolor", "virginica"]


def clean(frame):
    """Drops the request's id column (KeyError when it has none)."""
    return frame.drop(columns=["id"])


def weighted(outputs, frame):
    return 0.75 * outputs[0] + 0.25 * outputs[1]


def species(predictions, frame):
    if (frame["petal length (cm)"] > 100).any():
        raise RuntimeError("implausible petal")
    return [{"species": SPECIES[int(p)], "rows": len(frame)} for p in predictions]
'''


@pytest.fixture(scope="module")
def models(sextant):
    """Two regressors and three classifiers on iris, each its own registered model."""
    import mlflow
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, RidgeClassifier
    from sklearn.naive_bayes import GaussianNB

    X, y = load_iris(return_X_y=True, as_frame=True)
    suffix = uuid.uuid4().hex[:6]
    mlflow.set_experiment(f"graphs-{suffix}")
    names = {}
    for key, model in {
        "reg_a": LinearRegression(),
        "reg_b": Ridge(alpha=30.0),
        "clf_a": LogisticRegression(max_iter=500),
        "clf_b": RidgeClassifier(alpha=10.0),
        "clf_c": GaussianNB(),
    }.items():
        names[key] = f"{key.replace('_', '-')}-{suffix}"
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                model.fit(X, y), name="model", input_example=X.head(3),
                registered_model_name=names[key],
            )
    return names, X


@pytest.fixture(scope="module")
def served(sextant, models, tmp_path_factory):
    names, _ = models
    uri = {k: f"models:/{v}/1" for k, v in names.items()}
    cwd = tmp_path_factory.mktemp("graphs")
    (cwd / "features.py").write_text(FEATURES)
    (cwd / "sextant.yaml").write_text(
        f"""
deployments:
  graphs:
    graph:
      root: entry
      nodes:
        entry:
          type: switch
          steps:
            - {{ name: average, node: average, condition: 'params.kind == "average"' }}
            - {{ name: vote, node: vote, condition: 'params.kind == "vote"' }}
            - {{ name: custom, node: custom, condition: 'params.kind == "custom"' }}
            - {{ name: cleaned, node: cleaned, condition: 'params.kind == "cleaned"' }}
            - name: small
              model: {uri["clf_a"]}
              condition: 'dataframe_records[0]["petal length (cm)"] < 2.5'
            - {{ name: large, model: "{uri["reg_a"]}" }}
        average:
          type: ensemble
          combine: average
          steps: [{{ name: a, model: "{uri["reg_a"]}" }}, {{ name: b, model: "{uri["reg_b"]}" }}]
        vote:
          type: ensemble
          combine: vote
          steps:
            - {{ name: a, model: "{uri["clf_a"]}" }}
            - {{ name: b, model: "{uri["clf_b"]}" }}
            - {{ name: c, model: "{uri["clf_c"]}" }}
        custom:
          type: ensemble
          combine: features.py:weighted
          steps: [{{ name: a, model: "{uri["reg_a"]}" }}, {{ name: b, model: "{uri["reg_b"]}" }}]
        cleaned:
          type: sequence
          steps:
            - {{ name: clean, function: features.py:clean }}
            - {{ name: model, model: "{uri["reg_a"]}" }}
  species:
    model: {uri["clf_a"]}
    preprocess: features.py:clean
    postprocess: features.py:species
"""
    )
    log = cwd / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store),
             "--python", PYTHON],
            stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
        )
    deadline = time.monotonic() + 240
    urls: dict[str, str] = {}
    while time.monotonic() < deadline and len(urls) < 2:
        urls = dict(READY.findall(log.read_text(errors="replace")))
        if process.poll() is not None:
            break
        time.sleep(0.2)
    if len(urls) < 2:
        process.kill()
        pytest.fail("sextant deploy up did not become ready:\n" + log.read_text(errors="replace"))
    yield {"urls": urls, "cwd": cwd, "log": log}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def invoke(url: str, rows, **params):
    body = {"dataframe_records": rows}
    if params:
        body["params"] = params
    return requests.post(f"{url}/invocations", json=body, timeout=60)


def predict(name: str, frame):
    import mlflow.pyfunc

    return np.asarray(mlflow.pyfunc.load_model(f"models:/{name}/1").predict(frame))


def test_ensembles_average_vote_and_combine_function(models, served):
    names, X = models
    url = served["urls"]["graphs"]
    frame = X.iloc[::5]
    rows = frame.to_dict(orient="records")

    average = invoke(url, rows, kind="average")
    assert average.status_code == 200, average.text
    want = (predict(names["reg_a"], frame) + predict(names["reg_b"], frame)) / 2
    assert np.allclose(average.json()["predictions"], want, atol=1e-9)

    custom = invoke(url, rows, kind="custom")
    assert custom.status_code == 200, custom.text
    want = 0.75 * predict(names["reg_a"], frame) + 0.25 * predict(names["reg_b"], frame)
    assert np.allclose(custom.json()["predictions"], want, atol=1e-9)

    vote = invoke(url, rows, kind="vote")
    assert vote.status_code == 200, vote.text
    each = [predict(names[k], frame).tolist() for k in ("clf_a", "clf_b", "clf_c")]
    assert any(len({a, b, c}) > 1 for a, b, c in zip(*each)), "the classifiers should disagree"
    majority = [Counter(column).most_common(1)[0][0] for column in zip(*each)]
    assert vote.json()["predictions"] == majority


def test_switch_routes_by_a_field_and_sequence_runs_a_function_then_a_model(models, served):
    names, X = models
    url = served["urls"]["graphs"]
    small = X[X["petal length (cm)"] < 2.5].head(2)
    large = X[X["petal length (cm)"] >= 2.5].head(2)

    answer = invoke(url, small.to_dict(orient="records"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == predict(names["clf_a"], small).tolist()
    assert "entry.small;dur=" in answer.headers["server-timing"]

    answer = invoke(url, large.to_dict(orient="records"))
    assert answer.status_code == 200, answer.text
    assert np.allclose(answer.json()["predictions"], predict(names["reg_a"], large))
    assert "entry.large;dur=" in answer.headers["server-timing"]

    with_id = [{"id": i, **row} for i, row in enumerate(large.to_dict(orient="records"))]
    answer = invoke(url, with_id, kind="cleaned")
    assert answer.status_code == 200, answer.text
    assert np.allclose(answer.json()["predictions"], predict(names["reg_a"], large))
    timing = answer.headers["server-timing"]
    for node in ("entry", "entry.cleaned", "cleaned", "cleaned.clean", "cleaned.model"):
        assert f"{node};dur=" in timing, timing


def test_oip_through_a_graph_returns_node_latencies_when_asked(models, served):
    names, X = models
    url = served["urls"]["graphs"]
    frame = X.iloc[100:103]
    body = {
        "inputs": [
            {"name": column, "shape": [3], "datatype": "FP64", "data": frame[column].tolist()}
            for column in X.columns
        ],
        "parameters": {"node_latency": True},
    }
    answer = requests.post(f"{url}/v2/models/graphs/infer", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    reply = answer.json()
    assert np.allclose(reply["outputs"][0]["data"], predict(names["reg_a"], frame))
    latencies = reply["parameters"]["node_latency_ms"]
    assert latencies["entry"] >= latencies["entry.large"] > 0


def test_node_latency_is_exported_to_prometheus(served):
    url = served["urls"]["graphs"]
    text = requests.get(f"{url}/metrics", timeout=30).text
    for node in ("entry", "average", "average.a", "average.b", "vote.c", "cleaned.clean"):
        match = re.search(
            r'^sextant_serving_graph_node_duration_seconds_count\{deployment="graphs",'
            rf'node="{re.escape(node)}"\}} (\d+)',
            text,
            re.M,
        )
        assert match and int(match.group(1)) >= 1, f"no latency for node {node}:\n{text[:2000]}"


def test_pre_and_post_processing_around_a_model(models, served):
    names, X = models
    url = served["urls"]["species"]
    frame = X.iloc[[0, 60, 120]]
    rows = [{"id": i, **row} for i, row in enumerate(frame.to_dict(orient="records"))]
    answer = invoke(url, rows)
    assert answer.status_code == 200, answer.text
    labels = ["setosa", "versicolor", "virginica"]
    want = [{"species": labels[int(p)], "rows": 3} for p in predict(names["clf_a"], frame)]
    assert answer.json()["predictions"] == want

    tensors = [{"name": "id", "shape": [3], "datatype": "INT64", "data": [0, 1, 2]}] + [
        {"name": column, "shape": [3], "datatype": "FP64", "data": frame[column].tolist()}
        for column in X.columns
    ]
    answer = requests.post(
        f"{url}/v2/models/{names['clf_a']}/infer", json={"inputs": tensors}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    outputs = {o["name"]: o for o in answer.json()["outputs"]}
    assert outputs["species"]["data"] == [w["species"] for w in want]
    assert outputs["rows"]["data"] == [3, 3, 3]


def test_user_code_that_fails_gets_a_clear_error_and_serving_goes_on(models, served):
    _, X = models
    species, graphs = served["urls"]["species"], served["urls"]["graphs"]
    rows = X.head(2).to_dict(orient="records")

    missing_id = invoke(species, rows)
    assert missing_id.status_code == 400, missing_id.text
    message = missing_id.json()["message"]
    assert "preprocess function 'features.py:clean' failed: KeyError" in message, message

    implausible = [{"id": 1, **rows[0], "petal length (cm)": 500.0}]
    broken = invoke(species, implausible)
    assert broken.status_code == 500, broken.text
    message = broken.json()["message"]
    assert "postprocess function 'features.py:species' failed: RuntimeError: implausible petal" in message

    in_graph = invoke(graphs, rows, kind="cleaned")
    assert in_graph.status_code == 400, in_graph.text
    message = in_graph.json()["message"]
    assert "graph node 'cleaned', step 'clean'" in message and "KeyError" in message, message

    again = invoke(species, [{"id": 1, **rows[0]}])
    assert again.status_code == 200, again.text
    assert invoke(graphs, rows, kind="average").status_code == 200


def refused(sextant, cwd, text: str) -> str:
    (cwd / "sextant.yaml").write_text(text)
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )
    assert done.returncode != 0, done.stdout
    return done.stderr


def test_a_graph_with_a_cycle_or_a_path_outside_the_workspace_is_refused(sextant, tmp_path):
    cycle = refused(sextant, tmp_path, """
deployments:
  loop:
    graph:
      root: a
      nodes:
        a: { type: sequence, steps: [{ node: b }] }
        b: { type: sequence, steps: [{ node: a }] }
""")
    assert "loop.graph: the nodes form a cycle: a → b → a" in cycle, cycle
    outside = refused(sextant, tmp_path, """
deployments:
  escape:
    model: models:/anything/1
    preprocess: ../outside.py:clean
""")
    assert "escape.preprocess: '../outside.py:clean' is outside the workspace" in outside, outside
