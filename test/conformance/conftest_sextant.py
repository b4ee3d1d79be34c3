"""Points MLflow's own REST tests at `sextant server` (installed as the root conftest.py).

MLflow's tracking tests start their server through `tests.tracking.integration_test_utils`
(`ServerThread` in current MLflow, `_init_server` in older releases). Both are replaced here by
a `sextant server` child process on a fresh, empty store, so every fixture that asked MLflow for a
server gets Sextant instead. This file holds no MLflow code; `run-mlflow-tests.sh` copies it next
to a copy of MLflow's test files taken from a checkout the caller supplies.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEXTANT_BIN = Path(os.environ["SEXTANT_BIN"])
URL_LINE = re.compile(r"Sextant tracking server at (http://\S+)")
START_TIMEOUT_S = 20


class SextantServer:
    """A `sextant server` on its own temporary store; a context manager yielding its URL."""

    def __init__(self, *_args, **_kwargs):
        self.root = Path(tempfile.mkdtemp(prefix="sextant-conformance-"))
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        log = self.root / "server.log"
        with open(log, "wb") as sink:
            self.process = subprocess.Popen(
                ["node", str(SEXTANT_BIN), "server", "--port", "0", "--store", str(self.root / "store")],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            match = URL_LINE.search(log.read_text(errors="replace"))
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError("sextant server did not start:\n" + log.read_text(errors="replace"))

    def __exit__(self, *_exc) -> None:
        if self.process is not None and self.process.poll() is not None:
            print(f"sextant server had already exited with {self.process.returncode}", file=sys.stderr)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def _init_server(*_args, **_kwargs):
    with SextantServer() as url:
        yield url


def pytest_configure(config):
    import tests.tracking.integration_test_utils as utils

    utils.ServerThread = SextantServer
    utils._init_server = _init_server


TEST_TIMEOUT_S = int(os.environ.get("SEXTANT_CONFORMANCE_TIMEOUT_S", "120"))


class TestTimeout(Exception):
    """A test ran past TEST_TIMEOUT_S (e.g. a client retrying an endpoint Sextant lacks)."""


def _on_alarm(_signum, _frame):
    raise TestTimeout(f"test ran past {TEST_TIMEOUT_S}s")


import pytest  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    import signal

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TEST_TIMEOUT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
