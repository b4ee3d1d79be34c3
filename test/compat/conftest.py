"""MLflow compatibility suite: the real `mlflow` client against a `sextant server`.

One server per session, started from the built core (`npx tsc -b` first; this builds nothing)
on a temporary store. Every test uses its own experiment, so tests do not see each other's runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# SEXTANT_BIN runs the suite against another build of the CLI (default: this checkout's).
SEXTANT_BIN = Path(os.environ.get("SEXTANT_BIN", REPO / "core" / "bin" / "sextant.js"))
START_TIMEOUT_S = 20
URL_LINE = re.compile(r"Sextant tracking server at (http://\S+)")


def pytest_configure(config: pytest.Config) -> None:
    """Quiets third-party warnings that say nothing about Sextant."""
    for spec in (
        "ignore::FutureWarning:sklearn",
        "ignore::UserWarning:mlflow",
        "ignore:Starting with pandas version 4.0",
    ):
        config.addinivalue_line("filterwarnings", spec)


class SextantServer:
    """A running `sextant server` child process and its base URL."""

    def __init__(self, process: subprocess.Popen, url: str, store: Path, log: Path):
        self.process = process
        self.url = url
        self.store = store
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _start_server(store: Path, log: Path) -> SextantServer:
    if not (SEXTANT_BIN.parent.parent / "dist" / "cli" / "main.js").exists():
        pytest.fail(f"{SEXTANT_BIN.parent.parent / 'dist'} is missing: build first with `npx tsc -b`")
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "server", "--port", "0", "--store", str(store)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        match = URL_LINE.search(log.read_text(errors="replace"))
        if match:
            return SextantServer(process, match.group(1), store, log)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    pytest.fail(
        f"sextant server did not start within {START_TIMEOUT_S}s (exit {process.returncode}):\n"
        + log.read_text(errors="replace")
    )


@pytest.fixture(scope="session")
def sextant(tmp_path_factory: pytest.TempPathFactory):
    """The session's server, with the mlflow client pointed at it."""
    import mlflow

    root = tmp_path_factory.mktemp("sextant")
    server = _start_server(root / "store", root / "server.log")
    patch = pytest.MonkeyPatch()
    patch.setenv("MLFLOW_TRACKING_URI", server.url)
    # Fail fast instead of retrying: a retried 5xx would hide a server error behind back-off.
    patch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    patch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    patch.delenv("MLFLOW_RUN_ID", raising=False)
    patch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    patch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    mlflow.set_tracking_uri(server.url)
    try:
        yield server
    finally:
        patch.undo()
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    if "internal error" in server.output():
        pytest.fail("sextant server answered with internal errors (HTTP 500):\n" + server.output())


@pytest.fixture(autouse=True)
def _no_leftover_run(sextant):
    """Each test starts and ends without an active fluent run."""
    import mlflow

    while mlflow.active_run():
        mlflow.end_run()
    yield
    while mlflow.active_run():
        mlflow.end_run()


@pytest.fixture
def client(sextant):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=sextant.url)


@pytest.fixture
def exp_name(request) -> str:
    """An experiment name unique to this test."""
    return f"{request.node.name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def experiment_id(client, exp_name) -> str:
    """A fresh experiment for this test, also made the fluent API's current experiment."""
    import mlflow

    experiment_id = client.create_experiment(exp_name)
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id

