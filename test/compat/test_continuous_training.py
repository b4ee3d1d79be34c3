"""The closed continuous-training loop of examples/continuous-training, end to end and by itself:
the example's files run as they are, against their own server and store, with the real mlflow
client, real sklearn, `sextant deploy up --follow-aliases`, `sextant pipeline watch` and the
example's seeded traffic script. Nothing is done by hand between the hand-overs, which the test
only watches (each wait bounded):

1. the world drifts: the drift alert fires; it starts the retraining pipeline (the alert its
   recorded cause); the gate finds the new model better than the champion; it is registered as
   `challenger`; the deployment rolls it into its 10 % canary and starts its A/B afresh; the
   feedback makes the experiment promote it (the `champion` alias and the traffic in one step);
   the champion variant rolls to the promoted version and takes the traffic back.
2. the season turns: a second alert, a second retraining and challenger, which then loses on
   the feedback once the world turns again: the experiment rolls it back and `champion` stays.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import REPO, SEXTANT_BIN, _start_server

EXAMPLE = REPO / "examples" / "continuous-training"
PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready: scorer at (http://\S+)", re.M)
NAME = "ct-classifier"
HARD_TIMEOUT_S = 900  # the whole module; each wait below has its own, shorter bound


@pytest.fixture(scope="module", autouse=True)
def hard_timeout():
    """Fails the module, whatever it waits on, once HARD_TIMEOUT_S have passed."""

    def expired(*_):
        raise TimeoutError(f"the continuous-training loop took more than {HARD_TIMEOUT_S}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(HARD_TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


class Loop:
    """The example's folder and the processes that run it."""

    def __init__(self, cwd: Path, store: Path, env: dict[str, str]):
        self.cwd, self.store, self.env = cwd, store, env
        self.processes: dict[str, subprocess.Popen] = {}
        self.url = ""

    def log(self, key: str) -> str:
        path = self.cwd / f"{key}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {key}.log ---\n{self.log(key)[-4000:]}" for key in ("up", "watch", "traffic"))

    def start(self, key: str, args: list[str]) -> None:
        with open(self.cwd / f"{key}.log", "wb") as sink:
            self.processes[key] = subprocess.Popen(
                args, stdout=sink, stderr=subprocess.STDOUT, cwd=self.cwd, env=self.env
            )

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["node", str(SEXTANT_BIN), *args, "--store", str(self.store)],
            capture_output=True, text=True, timeout=120, cwd=self.cwd, env=self.env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def until(self, what: str, check, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for key, process in self.processes.items():
                if process.poll() is not None:
                    pytest.fail(f"{key} ended (exit {process.returncode}) while waiting for {what}\n{self.logs()}")
            value = check()
            if value:
                return value
            time.sleep(0.25)
        pytest.fail(f"timed out after {timeout}s waiting for {what}\n{self.logs()}")

    def served(self) -> dict:
        """What the deployment serves now: weights and each variant's version."""
        answer = requests.get(f"{self.url}/v2/sextant/deployments/scorer", timeout=10).json()
        return {v["name"]: (v["version"], answer["weights"][v["name"]]) for v in answer["variants"]}

    def alerts(self) -> list[dict]:
        return json.loads(self.cli("monitor", "alerts", "--json"))

    def runs(self) -> list[dict]:
        return [r for r in json.loads(self.cli("pipeline", "runs", "--json")) if r["pipeline"] == "retrain"]

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.cli("deploy", "logs", "scorer", "--json").splitlines()]


@pytest.fixture(scope="module")
def loop(sextant, tmp_path_factory):
    """The example copied to a fresh folder, its own server and store, the champion bootstrapped,
    the deployment following its aliases, the pipeline watcher and the traffic running."""
    from mlflow import MlflowClient

    root = tmp_path_factory.mktemp("continuous-training")
    cwd = root / "example"
    shutil.copytree(EXAMPLE, cwd, ignore=shutil.ignore_patterns("data", "models", "evaluation", "*.log"))
    # `sextant` on PATH, as the README has it, for the pipeline's reference step.
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / "sextant").write_text(f'#!/bin/sh\nexec node "{SEXTANT_BIN}" "$@"\n')
    (bin_dir / "sextant").chmod(0o755)
    server = _start_server(root / "store", root / "server.log")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{Path(PYTHON).parent}:{os.environ['PATH']}",
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "PYTHONUNBUFFERED": "1",
    }
    loop = Loop(cwd, server.store, env)
    try:
        done = subprocess.run([PYTHON, "src/bootstrap.py"], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{NAME} version 1 is the champion (and the challenger)" in done.stdout
        out = loop.cli("monitor", "reference", f"models:/{NAME}@champion", "--data", "data/reference.csv", "--prediction", "prediction")
        assert "1000 rows, features f0, f1, f2, f3" in out

        node = ["node", str(SEXTANT_BIN)]
        store = ["--store", str(loop.store)]
        loop.start("up", [*node, "deploy", "up", "--python", PYTHON, "--follow-aliases", "1s", *store])
        loop.start("watch", [*node, "pipeline", "watch", "--port", "0", *store])
        loop.url = loop.until("the deployment", lambda: (m := READY.search(loop.log("up"))) and m.group(1), 180)
        loop.until("the pipeline watcher", lambda: "watching 1 pipeline(s)" in loop.log("watch"), 60)
        loop.client = MlflowClient(tracking_uri=server.url)
        yield loop
    finally:
        # The traffic first (it sends its last feedback), then what it talks to.
        for key in sorted(loop.processes, key=lambda k: k != "traffic"):
            process = loop.processes[key]
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        server.process.terminate()
        server.process.wait(timeout=30)


def alias(loop: Loop, name: str) -> str:
    return loop.client.get_model_version_by_alias(NAME, name).version


def by_kind(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["kind"] == kind]


def test_a_drift_alert_retrains_and_a_better_challenger_is_promoted_by_itself(loop):
    # Until a retraining, the challenger is the champion itself and takes no traffic.
    assert loop.served() == {"champion": ("1", 100), "challenger": ("1", 0)}
    loop.start("traffic", [PYTHON, "traffic.py", "--url", loop.url, "--drift-after", "200", "--seed", "7"])

    # 1. The drift alert fires on the drifted features.
    firing = loop.until("the drift alert", lambda: [a for a in loop.alerts() if a["state"] == "firing"], 120)
    assert [a["rule"] for a in firing] == ["input-drift"]
    assert {"f0", "f2"} <= set(firing[0]["evidence"]["driftedFeatures"]), firing[0]["evidence"]
    assert "request 200: the world is drifted" in loop.log("traffic")

    # 2. It starts the retraining pipeline, recorded as the run's cause, and every step passes.
    [run] = loop.until("the retraining run to finish", lambda: [r for r in loop.runs() if r["status"] not in ("running", "queued")], 300)
    assert run["status"] == "done", loop.cli("pipeline", "logs", run["pipelineRunId"])
    assert run["trigger"]["kind"] == "alert"
    assert run["trigger"]["detail"].startswith("input-drift firing on scorer (critical")
    assert f"alert event {firing[0]['id']}" in run["trigger"]["detail"], run["trigger"]
    assert [s["step"] for s in run["steps"] if s["status"] == "done"] == ["prepare", "train", "evaluate", "gate", "register", "reference"]

    # 3. The gate held the new model to the champion's accuracy on the same recent traffic.
    gate = loop.cli("pipeline", "logs", run["pipelineRunId"], "gate")
    assert "Gate PASSED" in gate, gate
    m = re.search(r"pass\s+accuracy_score = ([\d.]+) \(baseline ([\d.]+)\)", gate)
    assert m and float(m.group(1)) >= float(m.group(2)) + 0.1, gate
    assert float(m.group(2)) < 0.5, "the champion is wrong most of the time after the drift"

    # 4. Registered as the challenger; the champion alias has not moved.
    assert alias(loop, "challenger") == "2" and alias(loop, "champion") == "1"

    # 5. The deployment rolls the challenger into its 10 % canary by itself, the A/B afresh.
    loop.until("the canary", lambda: loop.served() == {"champion": ("1", 90), "challenger": ("2", 10)}, 120)
    events = loop.events()
    [update] = [e for e in by_kind(events, "update") if e["details"]["variant"] == "challenger"]
    assert update["user"] == "sextant" and "ct-classifier@challenger moved from version 1 to 2" in update["reason"]
    assert update["details"]["from"]["version"] == "1" and update["details"]["to"]["version"] == "2"
    canary = by_kind(events, "traffic")[-1]
    assert canary["details"]["after"] == {"champion": 90, "challenger": 10}
    assert "scorer: the experiment starts afresh" in loop.log("up")

    # 6. The feedback decides: the challenger is promoted, alias and traffic in one recorded step.
    promote = loop.until("the promotion", lambda: by_kind(loop.events(), "promote"), 150)[-1]
    assert promote["user"] == "sextant"
    assert promote["details"]["from"] == "1" and promote["details"]["to"] == "2"
    assert promote["details"]["after"] == {"champion": 0, "challenger": 100}
    evidence = promote["details"]["experiment"]["evidence"]
    [treatment] = evidence["treatments"]
    assert treatment["variant"] == "challenger" and treatment["sequential"]["significant"] is True
    assert treatment["fixedHorizon"]["effect"] > 0.3, treatment["fixedHorizon"]
    assert alias(loop, "champion") == "2"
    report = json.loads(loop.cli("experiment", "report", "scorer", "--json"))
    applied = [d for d in report["decisions"] if d["details"]["applied"]]
    assert [d["details"]["action"] for d in applied] == ["promote"]

    # 7. The champion variant follows its alias to the promoted version and takes the traffic back.
    loop.until("the champion to serve version 2", lambda: loop.served() == {"champion": ("2", 100), "challenger": ("2", 0)}, 120)
    # With version 2's own reference (set by the pipeline), the drifted inputs are normal now.
    loop.until("the alert to resolve", lambda: [a["state"] for a in loop.alerts()] == ["firing", "resolved"], 90)


def test_the_next_season_retrains_again_and_a_losing_challenger_is_rolled_back(loop):
    traffic = loop.processes["traffic"]
    traffic.send_signal(signal.SIGUSR1)  # the world as before the drift: version 2 is wrong now
    loop.until("the second alert", lambda: [a["state"] for a in loop.alerts()] == ["firing", "resolved", "firing"], 120)
    second = loop.alerts()[-1]

    def finished():
        runs = loop.runs()
        return len(runs) == 2 and runs[0]["status"] not in ("running", "queued") and runs[0]

    run = loop.until("the second retraining run", finished, 300)
    assert run["status"] == "done", loop.cli("pipeline", "logs", run["pipelineRunId"])
    assert run["trigger"]["kind"] == "alert" and f"alert event {second['id']}" in run["trigger"]["detail"]
    assert alias(loop, "challenger") == "3" and alias(loop, "champion") == "2"
    gate = loop.cli("pipeline", "logs", run["pipelineRunId"], "gate")
    assert "Gate PASSED" in gate, gate
    # The season turns again before the A/B has judged: version 3 was trained for the last one.
    traffic.send_signal(signal.SIGUSR1)

    # The ended experiment starts afresh on the new canary, and this time rolls it back.
    loop.until("the new canary", lambda: [
        e for e in by_kind(loop.events(), "update") if e["details"]["variant"] == "challenger" and e["details"]["to"]["version"] == "3"
    ], 120)

    def rolled_back():
        moves = [e for e in by_kind(loop.events(), "traffic") if "experiment" in e["details"]]
        return moves and moves[-1]

    rollback = loop.until("the rollback", rolled_back, 150)
    assert rollback["user"] == "sextant"
    assert rollback["details"]["after"] == {"champion": 100, "challenger": 0}
    assert rollback["details"]["experiment"]["action"] == "rollback"
    [treatment] = rollback["details"]["experiment"]["evidence"]["treatments"]
    assert treatment["variant"] == "challenger" and treatment["fixedHorizon"]["effect"] < -0.3
    assert loop.served() == {"champion": ("2", 100), "challenger": ("3", 0)}
    assert alias(loop, "champion") == "2" and alias(loop, "challenger") == "3"
    assert len(by_kind(loop.events(), "promote")) == 1, "nothing more was promoted"
    report = json.loads(loop.cli("experiment", "report", "scorer", "--json"))
    assert [d["details"]["action"] for d in report["decisions"] if d["details"]["applied"]][-1] == "rollback"
