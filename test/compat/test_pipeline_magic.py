"""``%sextant pipeline``: Sextant's pipeline command line from a notebook cell, in a real kernel."""

import os
import signal
import threading
import time
from pathlib import Path

from test_magics import run_notebook, stream_text

SPEC = """pipelines:
  tiny:
    steps:
      make:
        run: echo made > made.txt && echo hello from make
        outs: [made.txt]
  which:
    steps:
      where:
        run: python -c "import sys; print(sys.executable)" > python.txt
        outs: [python.txt]
  long:
    steps:
      wait:
        run: sh -c 'echo $$ > step.pid; sleep 60'
"""


def workspace(tmp_path: Path) -> Path:
    """A workspace with its store and pipeline file, and a notebooks folder below it."""
    (tmp_path / ".sextant").mkdir()
    (tmp_path / "sextant.yaml").write_text(SPEC)
    (tmp_path / "notebooks").mkdir()
    return tmp_path / "notebooks"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"


def kernel_of(pid: int) -> int:
    """The IPython kernel above a process (its parent's parent's …)."""
    while pid > 1:
        if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
        pid = int(Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[1])
    raise AssertionError("no ipykernel above the step")


def test_pipeline_run_from_a_cell_streams_its_output_and_uses_the_workspace_store(tmp_path):
    notebooks = workspace(tmp_path)
    notebook = run_notebook(
        [
            "%load_ext sextant",
            "%sextant pipeline run tiny",
            "%sextant pipeline run tiny",
            "%sextant pipeline runs --limit 5",
            "%sextant pipeline run tiny --step nope",
            "%sextant pipeline run --file ../sextant.yaml tiny --dry",
            "import sys\nprint(sys.executable)",
            "%sextant pipeline run which",
        ],
        cwd=notebooks,
    )
    first = stream_text(notebook.cells[1], "stdout")
    shown = [o for o in notebook.cells[1].outputs if o.output_type == "display_data"]
    assert len(shown) == 1, notebook.cells[1].outputs
    run = shown[0].data["application/vnd.sextant.pipeline-run+json"]
    assert run["file"] == str(tmp_path / "sextant.yaml")
    assert (run["pipeline"], run["status"]) == ("tiny", "done")
    assert run["pipelineRunId"] in first
    assert shown[0].data["text/plain"] == f"Sextant pipeline tiny run {run['pipelineRunId']}: done"
    assert "make | hello from make" in first, first
    assert "sextant: step make done" in first
    assert "sextant: pipeline tiny done" in first
    assert stream_text(notebook.cells[1], "stderr") == ""
    assert (tmp_path / "made.txt").read_text() == "made\n", "run in the pipeline file's folder"
    assert (tmp_path / ".sextant" / "sextant.db").is_file(), "into the workspace's store"
    second = stream_text(notebook.cells[2], "stdout")
    assert "sextant: step make cached (restored from the cache)" in second, second
    listed = stream_text(notebook.cells[3], "stdout")
    assert listed.count(" tiny ") == 2, listed
    failed = notebook.cells[4]
    assert "nope" in stream_text(failed, "stdout")
    assert "ended with exit code 1" in stream_text(failed, "stderr")
    planned = stream_text(notebook.cells[5], "stdout")
    assert "make  cached" in planned, "a relative --file is the notebook's: " + planned
    kernel_python = stream_text(notebook.cells[6], "stdout").strip()
    assert (tmp_path / "python.txt").read_text().strip() == kernel_python, "steps run with the kernel's Python"


def test_interrupting_the_kernel_cancels_the_pipeline_run(tmp_path):
    notebooks = workspace(tmp_path)
    pid_file = tmp_path / "step.pid"
    step: dict[str, int] = {}

    def interrupt_once_the_step_runs() -> None:
        deadline = time.monotonic() + 60
        while not (pid_file.is_file() and pid_file.read_text().strip()):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        step["pid"] = int(pid_file.read_text())
        time.sleep(0.5)
        # What JupyterLab's stop button does: SIGINT to the kernel's process group (jupyter_client
        # starts each kernel in a session of its own), so to every process the kernel started in it.
        group = os.getpgid(kernel_of(step["pid"]))
        assert group != os.getpgid(0), "the kernel shares this test's process group"
        os.killpg(group, signal.SIGINT)

    interrupter = threading.Thread(target=interrupt_once_the_step_runs, daemon=True)
    interrupter.start()
    notebook = run_notebook(["%load_ext sextant", "%sextant pipeline run long"], cwd=notebooks)
    interrupter.join(5)
    cell = notebook.cells[1]
    out = stream_text(cell, "stdout")
    assert "pid" in step, f"the step never started:\n{out}"
    assert "sextant: interrupted: cancelling the pipeline run" in out, out
    assert "sextant: step wait cancelled" in out, out
    assert "sextant: pipeline long cancelled" in out, out
    assert "ended with exit code 130" in stream_text(cell, "stderr")
    shown = [o for o in cell.outputs if o.output_type == "display_data"]
    assert shown[0].data["application/vnd.sextant.pipeline-run+json"]["status"] == "cancelled"
    deadline = time.monotonic() + 10
    while alive(step["pid"]):
        assert time.monotonic() < deadline, "the step's process was not stopped"
        time.sleep(0.05)
