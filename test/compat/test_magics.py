"""The %sextant magics and cell tracking, in a real IPython kernel executing real notebooks."""

import hashlib
import json
import os

import nbformat
import pytest
import requests
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from sextant.tracker import source_hash

from conftest import _start_server


class CellIdClient(NotebookClient):
    """Sends each cell's id in the execute_request metadata (``cellId``), as JupyterLab does."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        session = self.kc.session
        original = session.msg

        def msg(msg_type, content=None, parent=None, header=None, metadata=None):
            if msg_type == "execute_request":
                metadata = {**(metadata or {}), "cellId": cell.id}
            return original(msg_type, content, parent, header, metadata)

        session.msg = msg
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            session.msg = original


def run_notebook(sources, cwd, env=None, allow_errors=True, **hooks):
    """Executes cells in a fresh ipykernel (cwd as given) and returns the executed notebook;
    ``hooks`` are nbclient's (``on_cell_executed=...``)."""
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    client = CellIdClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(cwd)}},
        **hooks,
    )
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


def stream_text(cell, name):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == name)


def cells_of(sextant, run_id):
    response = requests.get(f"{sextant.url}/api/2.0/sextant/cells/list", params={"run_id": run_id}, timeout=10)
    response.raise_for_status()
    return response.json()["cells"]


def only_run(client, experiment_name):
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, f"experiment {experiment_name} was not created"
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return runs[0]


def test_start_log_end_records_every_cell(sextant, client, exp_name, tmp_path):
    sources = [
        "%load_ext sextant",
        f"%sextant start --experiment {exp_name} --name nb-run",
        "import mlflow\nmlflow.log_param('lr', 0.1)",
        "for i in range(3):\n    mlflow.log_metric('loss', 1 / (i + 1), step=i)",
        "%sextant log acc=0.9 opt=adam",
        "x = 41 + 1",
        "raise ValueError('boom')",
        "%sextant status",
        "%sextant end",
        "y = 2",
    ]
    notebook = run_notebook(sources, tmp_path)
    run = only_run(client, exp_name)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "nb-run"
    assert run.data.params == {"lr": "0.1", "opt": "adam"}
    assert run.data.metrics == {"loss": pytest.approx(1 / 3), "acc": 0.9}
    assert "cells recorded" in stream_text(notebook.cells[7], "stdout")
    ended = stream_text(notebook.cells[8], "stdout")
    assert "ended FINISHED (7 cells recorded" in ended and "1 failed: [7]" in ended, ended
    assert "--status FAILED" in stream_text(notebook.cells[8], "stderr")
    assert run.data.tags["sextant.notebook.failed_cells"] == "1"

    cells = cells_of(sextant, run.info.run_id)
    assert int(run.data.tags["sextant.notebook.active_ms"]) == sum(c["duration_ms"] for c in cells[:-1])
    assert [c["source"] for c in cells] == sources[1:9]
    assert [c["cell_id"] for c in cells] == [cell.id for cell in notebook.cells[1:9]]
    assert [c["execution_count"] for c in cells] == list(range(2, 10))
    for cell in cells:
        assert cell["source_hash"] == hashlib.sha256(cell["source"].encode()).hexdigest()
        assert cell["source_hash"] == source_hash(cell["source"])
        assert cell["duration_ms"] >= 0 and cell["start_time"] > 0
    by_source = {c["source"]: c for c in cells}
    assert by_source[sources[2]]["logged"] == {"params": ["lr"], "metrics": [], "tags": []}
    assert by_source[sources[3]]["logged"]["metrics"] == ["loss"]
    assert by_source[sources[4]]["logged"] == {"params": ["opt"], "metrics": ["acc"], "tags": []}
    assert by_source[sources[5]]["logged"] == {"params": [], "metrics": [], "tags": []}
    assert by_source[sources[6]]["status"] == "error"
    assert by_source[sources[6]]["error"] == "ValueError: boom"
    assert all(c["status"] == "ok" for c in cells if c["source"] != sources[6])

    snapshot_dir = client.download_artifacts(run.info.run_id, "notebook", str(tmp_path / "dl"))
    snapshot = nbformat.read(os.path.join(snapshot_dir, "executed-cells.ipynb"), as_version=4)
    assert [c.source for c in snapshot.cells][: len(sources[1:8])] == sources[1:8]


def test_cell_magic_tracks_one_cell(sextant, client, exp_name, tmp_path):
    run_notebook(
        ["%load_ext sextant", f"%%sextant --experiment {exp_name} --name one-off\nimport mlflow\nmlflow.log_metric('m', 2.5)"],
        tmp_path,
    )
    run = only_run(client, exp_name)
    assert run.info.status == "FINISHED" and run.info.run_name == "one-off"
    assert run.data.metrics == {"m": 2.5}
    cells = cells_of(sextant, run.info.run_id)
    assert [c["logged"]["metrics"] for c in cells] == [["m"]]


def test_cell_magic_marks_a_failing_cell_failed(sextant, client, exp_name, tmp_path):
    run_notebook(["%load_ext sextant", f"%%sextant --experiment {exp_name}\n1 / 0"], tmp_path)
    assert only_run(client, exp_name).info.status == "FAILED"


def test_bad_input_prints_one_line_and_keeps_the_kernel(sextant, client, exp_name, tmp_path):
    sources = [
        "%load_ext sextant",
        "%sextant bogus",
        "%sextant start --nope",
        "%sextant end",
        "%sextant log nokey",
        f"%sextant start --experiment {exp_name}",
        "%sextant log nokey",
        "%sextant start",
        "%sextant end --status WEIRD",
        "%sextant end --status failed",
        "print('alive')",
    ]
    notebook = run_notebook(sources, tmp_path, allow_errors=False)
    for index in (1, 2, 3, 4, 6, 7, 8):
        err = stream_text(notebook.cells[index], "stderr").strip()
        assert err.startswith("sextant: "), (sources[index], err)
        assert "\n" not in err, (sources[index], err)
    assert "no active Sextant run" in stream_text(notebook.cells[3], "stderr")
    assert "already active" in stream_text(notebook.cells[7], "stderr")
    assert stream_text(notebook.cells[10], "stdout") == "alive\n"
    assert only_run(client, exp_name).info.status == "FAILED"


def test_dead_tracking_server_is_one_line_and_loses_nothing(sextant, client, exp_name, tmp_path):
    sources = [
        "%load_ext sextant",
        "%sextant start --experiment " + exp_name,
        "import mlflow\nmlflow.log_param('kept', 'yes')",
        "import os\nos.environ['MLFLOW_TRACKING_URI'] = 'http://127.0.0.1:9'\nmlflow.set_tracking_uri('http://127.0.0.1:9')",
        "z = 3",
        "%sextant end",
        f"mlflow.set_tracking_uri('{sextant.url}')",
        "%sextant end",
    ]
    notebook = run_notebook(sources, tmp_path, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "3"})
    err = stream_text(notebook.cells[4], "stderr") + stream_text(notebook.cells[5], "stderr")
    assert err.startswith("sextant: "), err
    run = only_run(client, exp_name)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"kept": "yes"}
    assert [c["source"] for c in cells_of(sextant, run.info.run_id)][:2] == sources[1:3]


def test_tracking_uri_from_server_json(sextant, client, exp_name, tmp_path):
    store = tmp_path / "workspace" / ".sextant"
    store.mkdir(parents=True)
    (store / "server.json").write_text(json.dumps({"url": sextant.url, "pid": 1}))
    notebooks = tmp_path / "workspace" / "notebooks"
    notebooks.mkdir()
    run_notebook(
        [
            "import os\nos.environ.pop('MLFLOW_TRACKING_URI', None)",
            "%load_ext sextant",
            f"%sextant start --experiment {exp_name}",
            "%sextant end",
        ],
        notebooks,
    )
    assert only_run(client, exp_name).info.status == "FINISHED"


def test_server_publishes_server_json(sextant):
    published = json.loads((sextant.store / "server.json").read_text())
    assert published["url"] == sextant.url


def test_a_server_restarted_on_another_port_keeps_the_run(exp_name, tmp_path):
    """The language server behind JupyterLab stops with the last tab and comes back on a new port:
    a run started from server.json follows it (magics, plain mlflow calls and cell records), and
    a cell executed while no server runs is stored once one is back."""
    from mlflow import MlflowClient

    workspace = tmp_path / "workspace"
    store = workspace / ".sextant"
    servers = [_start_server(store, tmp_path / "server-0.log")]

    def stop():
        servers[-1].process.terminate()
        servers[-1].process.wait(timeout=10)

    def start():
        servers.append(_start_server(store, tmp_path / f"server-{len(servers)}.log"))

    def between_cells(cell, cell_index, **_):
        if cell_index == 3:
            stop()
            start()
        elif cell_index == 4:
            stop()
        elif cell_index == 5:
            start()

    sources = [
        "import os\nos.environ.pop('MLFLOW_TRACKING_URI', None)",
        "%load_ext sextant",
        f"%sextant start --experiment {exp_name} --name moved",
        "import mlflow\nmlflow.log_param('before', 1)",
        "mlflow.log_param('after', 2)\nmlflow.log_metric('m', 0.5)",
        "x = 1",
        "%sextant log acc=0.75",
        "%sextant end",
    ]
    try:
        notebook = run_notebook(sources, workspace, on_cell_executed=between_cells)
        assert len({server.url for server in servers}) == 3, [server.url for server in servers]
        assert "sextant:" in stream_text(notebook.cells[5], "stderr")
        for index in (3, 4, 6, 7):
            assert stream_text(notebook.cells[index], "stderr") == "", (sources[index], notebook.cells[index].outputs)
            assert not [o for o in notebook.cells[index].outputs if o.output_type == "error"], sources[index]
        assert "ended FINISHED (5 cells recorded" in stream_text(notebook.cells[7], "stdout")

        run = only_run(MlflowClient(tracking_uri=servers[-1].url), exp_name)
        assert run.info.status == "FINISHED"
        assert run.data.params == {"before": "1", "after": "2"}
        assert run.data.metrics == {"m": 0.5, "acc": 0.75}
        cells = cells_of(servers[-1], run.info.run_id)
        assert [c["source"] for c in cells] == sources[2:8]
        assert [c["execution_count"] for c in cells] == list(range(3, 9))
        by_source = {c["source"]: c for c in cells}
        assert by_source[sources[3]]["logged"]["params"] == ["before"]
        assert by_source[sources[4]]["logged"] == {"params": ["after"], "metrics": ["m"], "tags": []}
        assert by_source[sources[6]]["logged"]["metrics"] == ["acc"]
    finally:
        stop()
