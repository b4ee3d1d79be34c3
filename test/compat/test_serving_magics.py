"""``%sextant deploy``, ``%sextant predict`` and ``%sextant endpoints`` in a real IPython kernel:
a workspace whose ``.sextant`` holds a running ``sextant server`` (found through its
``server.json``, as JupyterLab's Sextant extension leaves it), sklearn models trained, logged and
registered in the notebook with the real mlflow client, served by ``sextant deploy up`` processes
the magics start, and called over MLflow's scoring protocol and the Open Inference Protocol."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import requests
import yaml
from mlflow import MlflowClient

from conftest import SEXTANT_BIN, _start_server
from test_magics import run_notebook, stream_text

DEPLOYMENTS_MIME = "application/vnd.sextant.deployments+json"
# The session's MLFLOW_TRACKING_URI is blanked in the kernel: the magics find the workspace's
# server through .sextant/server.json, as in JupyterLab.
KERNEL_ENV = {"MLFLOW_TRACKING_URI": ""}

TRAIN = """
import mlflow, mlflow.sklearn, pandas as pd
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True, as_frame=True)
first = LogisticRegression(C=1.0, max_iter=500).fit(X, y)
%sextant start --experiment {experiment}
mlflow.sklearn.log_model(first, name="model", input_example=X.head(3))
%sextant end
%sextant register {name} --alias champion
second = LogisticRegression(C=0.01, max_iter=500).fit(X, y)
%sextant start --experiment {experiment}
mlflow.sklearn.log_model(second, name="model", input_example=X.head(3))
%sextant end
%sextant register {name}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace folder with its own server on ``.sextant`` (server.json published there)."""
    root = tmp_path_factory.mktemp("serving-ws")
    server = _start_server(root / ".sextant", root / "server.log")
    yield root, server
    for name in ("iris-api", "canary-api"):
        subprocess.run(
            ["node", str(SEXTANT_BIN), "deploy", "down", name, "--store", str(root / ".sextant")],
            capture_output=True, timeout=60, cwd=root,
        )
    server.process.terminate()
    server.process.wait(timeout=10)


def outputs(cell, kind: str) -> list[dict]:
    return [o.data for o in cell.outputs if o.output_type == kind]


def one_line_error(cell) -> str:
    err = stream_text(cell, "stderr").strip()
    assert err.startswith("sextant: ") and "\n" not in err, err
    return err


def test_deploy_predict_endpoints_traffic_promote_rollback_and_down(workspace):
    root, server = workspace
    name = f"iris-{uuid.uuid4().hex[:6]}"
    experiment = f"serving-{name}"
    sources = [
        "%load_ext sextant",
        # 1: two versions, the first @champion.
        TRAIN.format(experiment=experiment, name=name),
        # 2: declare and serve; the cell answers when it serves, with its URL.
        f"endpoint = %sextant deploy iris-api -m models:/{name}@champion --replicas 2",
        # 3
        "endpoint",
        # 4: a DataFrame expression, over MLflow's scoring protocol.
        "preds = %sextant predict iris-api X.iloc[:5]\npreds",
        # 5
        f"expected = mlflow.pyfunc.load_model('models:/{name}@champion').predict(X.iloc[:5])\n"
        "print(list(preds['prediction']) == list(expected), preds.attrs['sextant']['variant'])",
        # 6: JSON rows, sent as written.
        '%sextant predict iris-api {"dataframe_records": [{"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, '
        '"petal length (cm)": 1.4, "petal width (cm)": 0.2}]}',
        # 7: the Open Inference Protocol, and the URL form.
        "oip = %sextant predict --oip iris-api X.iloc[:4]\n"
        "by_url = %sextant predict {endpoint} X.iloc[:4].to_dict(orient='records')\n"
        "print(list(oip['predictions']) == list(by_url['prediction']) == list(first.predict(X.iloc[:4])))",
        # 8
        "%sextant endpoints",
        # 9: a canary declared in sextant.yaml, started with `up`.
        "import pathlib\n"
        "file = pathlib.Path('sextant.yaml')\n"
        "file.write_text(file.read_text() + '''  canary-api:\n"
        f"    model: models:/{name}@champion\n"
        "    routes:\n"
        "      variants:\n"
        "        - { name: champion, weight: 90 }\n"
        f"        - {{ name: challenger, model: models:/{name}/2, weight: 10 }}\n"
        "''')",
        # 10
        "%sextant deploy up canary-api",
        # 11
        "%sextant deploy traffic canary-api champion=0 challenger=100 --reason 'all to v2'\n"
        "after = %sextant predict canary-api X.iloc[:3]",
        # 12
        "%sextant deploy promote canary-api --reason 'v2 wins'",
        # 13
        "%sextant deploy rollback canary-api",
        # 14
        "%sextant deploy status canary-api",
        # 15
        "%sextant deploy list",
        # 16
        "%sextant deploy down canary-api\n%sextant deploy down iris-api",
        # 17
        "%sextant endpoints",
    ]
    notebook = run_notebook(sources, root, env=KERNEL_ENV, allow_errors=False)
    cells = notebook.cells
    client = MlflowClient(server.url)
    # (Cell 5's mlflow.pyfunc.load_model draws a download progress bar on stderr.)
    for index in [i for i in range(2, len(cells)) if i != 5]:
        assert stream_text(cells[index], "stderr") == "", (index, stream_text(cells[index], "stderr"))

    # sextant.yaml declares what the magic deployed.
    spec = yaml.safe_load((root / "sextant.yaml").read_text())["deployments"]
    assert spec["iris-api"] == {"model": f"models:/{name}@champion", "replicas": 2}
    assert "Declared iris-api" in stream_text(cells[2], "stdout")
    assert "deployments/iris-api.log" in stream_text(cells[2], "stdout")

    card = outputs(cells[3], "display_data")[0]
    url = card[DEPLOYMENTS_MIME]["url"]
    assert card[DEPLOYMENTS_MIME]["deployment"] == "iris-api" and url.startswith("http://127.0.0.1:")
    assert f"iris-api is serving at {url}" in card["text/plain"]
    assert f"curl -s {url}/invocations" in card["text/html"]

    # Predictions equal the registered version's own, with the latency shown.
    out = stream_text(cells[4], "stdout")
    assert out.startswith("iris-api: 5 rows → 5 predictions in ") and "MLflow scoring protocol, variant champion" in out, out
    assert "prediction" in outputs(cells[4], "execute_result")[0]["text/html"]
    assert stream_text(cells[5], "stdout") == "True champion\n"
    assert "1 row → 1 prediction in " in stream_text(cells[6], "stdout")
    assert stream_text(cells[7], "stdout").splitlines()[-1] == "True"
    by_oip, by_url, _ = stream_text(cells[7], "stdout").splitlines()
    assert "Open Inference Protocol" in by_oip
    assert by_url.startswith("iris-api: 4 rows → 4 predictions"), "its URL names the deployment"

    table = outputs(cells[8], "display_data")[0]
    rows = {r["name"]: r for r in table[DEPLOYMENTS_MIME]["deployments"]}
    assert rows["iris-api"]["status"] == "running" and rows["iris-api"]["url"] == url
    assert rows["iris-api"]["replicas"] == 2
    live = rows["iris-api"]["live"]
    assert live["requests"] == 4 and live["errorRate"] == 0 and live["p99Ms"] > 0, live
    assert 'class="sextant-live"' in table["text/html"] and "req/s · p50 " in table["text/plain"]
    assert [(v["name"], v["model"], v["version"], v["weight"]) for v in rows["iris-api"]["variants"]] == [
        ("champion", name, "1", 100)
    ]
    assert f"{url}/invocations" in table["text/html"] and "requests.post" in table["text/html"]
    assert "Deployments (1, 1 running)" in table["text/plain"]

    # The canary: started from sextant.yaml, its traffic moved, promoted and rolled back.
    canary = outputs(cells[10], "display_data")[0][DEPLOYMENTS_MIME]
    assert canary["deployment"] == "canary-api"
    assert '{"champion":0,"challenger":100}' in stream_text(cells[11], "stdout")
    assert "variant challenger" in stream_text(cells[11], "stdout")
    assert "moved from version 1 to 2" in stream_text(cells[12], "stdout")
    assert "back to version 1" in stream_text(cells[13], "stdout")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    status = outputs(cells[14], "display_data")[0]
    assert [r["name"] for r in status[DEPLOYMENTS_MIME]["deployments"]] == ["canary-api"]
    events = status["text/plain"].split("Recent events")[1]
    assert [line.split()[2] for line in events.strip().splitlines()] == ["deploy", "traffic", "promote", "rollback"]
    assert "v2 wins" in events
    listed = outputs(cells[15], "display_data")[0][DEPLOYMENTS_MIME]["deployments"]
    assert {r["name"]: r["status"] for r in listed} == {"canary-api": "running", "iris-api": "running"}
    assert [(v["name"], v["weight"]) for v in next(r for r in listed if r["name"] == "canary-api")["variants"]] == [
        ("champion", 0), ("challenger", 100),
    ]

    # Stopped: the endpoints answer no more, and the table says so.
    assert stream_text(cells[16], "stdout").splitlines() == ["Stopped canary-api", "Stopped iris-api"]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/ping", timeout=5)
    final = outputs(cells[17], "display_data")[0][DEPLOYMENTS_MIME]["deployments"]
    assert {r["name"]: (r["status"], r["url"]) for r in final} == {
        "canary-api": ("stopped", None), "iris-api": ("stopped", None),
    }
    history = [
        json.loads(line)["kind"]
        for line in subprocess.run(
            ["node", str(SEXTANT_BIN), "deploy", "logs", "iris-api", "--json", "--store", str(root / ".sextant")],
            capture_output=True, text=True, timeout=60, cwd=root, check=True,
        ).stdout.splitlines()
    ]
    assert history == ["deploy", "stop"]


def test_serving_magics_refuse_bad_input_in_one_line(workspace, tmp_path):
    root, _ = workspace
    sources = [
        "%load_ext sextant",
        "%sextant predict nowhere [1, 2]",
        "%sextant predict iris-api",
        "%sextant predict iris-api not_a_variable",
        "%sextant deploy api -m runs:/abc/model",
        "%sextant deploy api -m models:/nobody@champion --runtime gpu",
        "%sextant deploy up no-such-deployment",
        "%sextant deploy traffic nowhere a=1",
        "%sextant deploy down",
        "%sextant predict http://127.0.0.1:9/ [[1]]",
        "%sextant help nope",
        "%sextant help",
        "%sextant help predict",
        "print('alive')",
    ]
    notebook = run_notebook(sources, root, env=KERNEL_ENV, allow_errors=False)
    cells = notebook.cells
    assert "no deployment named 'nowhere'" in one_line_error(cells[1])
    assert "give the rows to send" in one_line_error(cells[2])
    assert "neither JSON nor a Python expression here: NameError" in one_line_error(cells[3])
    assert "models:/<name>@<alias>" in one_line_error(cells[4])
    assert "runtime" in one_line_error(cells[5])
    assert "declares no deployment named no-such-deployment" in one_line_error(cells[6])
    assert "no deployment named 'nowhere'" in one_line_error(cells[7])
    assert "NAME" in one_line_error(cells[8])
    assert "is not answering" in one_line_error(cells[9])
    assert "no magic 'nope'" in one_line_error(cells[10])
    overview = stream_text(cells[11], "stdout")
    assert "%sextant deploy NAME -m models:/M@alias" in overview and "%sextant endpoints" in overview
    assert "--oip" in stream_text(cells[12], "stdout")
    assert stream_text(cells[13], "stdout") == "alive\n"
    declared = yaml.safe_load((root / "sextant.yaml").read_text()) if (root / "sextant.yaml").exists() else {}
    assert "api" not in (declared or {}).get("deployments", {}), "a refused deployment is not written"
