"""``%sextant evaluate``: Sextant's ``evaluate`` command line run from a notebook cell, one model
after another on the same eval set, its progress shown as it comes and the metrics of every model
side by side at the end (each best value marked), with the gate's verdict.

A registered version (``models:/name@alias``, ``models:/name/3``) is recorded as such on its
evaluation run (which the Models views read) and the run is named after it. Interrupting the kernel cancels the evaluation in progress (its worker is stopped).
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from IPython.display import display
from mlflow import MlflowClient

from .pipeline_magic import PipelineMagicError, cli_argv, workspace_of
from .registry_magic import html_table

REGISTERED = re.compile(r"^models:/(?!m-)([^/@]+)(?:@([^/]+)|/(\d+))/?$")
# Metrics where a smaller value is the better one (mlflow.models.evaluate's names).
LOWER_IS_BETTER = {
    "log_loss",
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "max_error",
    "mean_absolute_percentage_error",
    "false_positives",
    "false_negatives",
}
# Counts that describe the data more than the model: shown, never marked best.
NEUTRAL = {"example_count", "true_positives", "true_negatives", "sum_on_target", "mean_on_target"}
EVALUATION_MIME = "application/vnd.sextant.evaluation+json"


class EvaluateMagicError(Exception):
    """The evaluation cannot start or failed; the message says what to do."""


@dataclass
class Target:
    """A model to evaluate: the URI the user gave, what the command line is given, and the
    registered version it is (when it is one)."""

    uri: str
    cli_model: str
    name: str | None = None
    version: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}" if self.name else self.uri


@dataclass
class Outcome:
    """One model's evaluation: the command line's JSON result, or why it failed."""

    target: Target
    result: dict | None = None
    error: str | None = None
    lines: list[str] = field(default_factory=list)


def expand(models: list[str], versions: list[str] | None) -> list[str]:
    """``NAME --versions 1 2`` (or ``models:/NAME``) as ``models:/NAME/1 models:/NAME/2``."""
    if not versions:
        return models
    if len(models) != 1:
        raise EvaluateMagicError("--versions takes one registered model name: `%sextant evaluate NAME --versions 1 2`")
    name = models[0].removeprefix("models:/").rstrip("/")
    if not name or "/" in name or "@" in name or name.startswith("m-"):
        raise EvaluateMagicError(f"--versions needs a registered model name, not '{models[0]}'")
    return [f"models:/{name}/{v.removeprefix('v')}" for v in versions]


def resolve(client: MlflowClient, uri: str) -> Target:
    """The version a registered URI (``models:/name@alias``, ``models:/name/3``) names now, read
    from the registry so that its evaluation run is named after it; other URIs (``runs:/``,
    ``models:/m-``, a model folder) as they are. The command line is given the URI as written."""
    match = REGISTERED.match(uri)
    if not match:
        return Target(uri, uri)
    name, alias, number = match.groups()
    version = client.get_model_version_by_alias(name, alias) if alias else client.get_model_version(name, number)
    return Target(uri, uri, name, version.version)


def store_of(location_json: Path | None, cwd: Path) -> Path:
    """The store the evaluation runs go to: the one whose ``server.json`` gave the tracking
    address, else the workspace's ``.sextant`` above ``cwd``."""
    if location_json is not None:
        return location_json.parent
    return workspace_of(cwd) / ".sextant"


def command_for(target: Target, options: list[str], store: Path, python: str | None) -> list[str]:
    """The argv of ``sextant evaluate`` for one model (JSON result on stdout, progress on stderr)."""
    argv = [*cli_argv(), "evaluate", "--model", target.cli_model, "--store", str(store), *options, "--json"]
    if target.name and "--name" not in options:
        argv += ["--name", f"{target.name} v{target.version}"]
    if python and "--python" not in options and "model" not in _env_of(options):
        argv += ["--python", python]
    return argv


def _env_of(options: list[str]) -> list[str]:
    return [options[i + 1] for i, o in enumerate(options[:-1]) if o == "--env"]


def run_one(argv: list[str], cwd: Path, show=print) -> tuple[int, str, list[str]]:
    """Runs one ``sextant evaluate``, passing each progress line to ``show`` as it comes; a kernel
    interrupt cancels it (SIGINT, as Ctrl-C). Answers the exit code, stdout and the stderr lines."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "FORCE_COLOR": "0"},
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True)
    reader.start()
    lines: list[str] = []
    cancelled = False
    while True:
        try:
            raw = process.stderr.readline()
            if not raw:
                break
            text = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(text)
            show(text)
        except KeyboardInterrupt:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            if not cancelled:
                show("sextant: interrupted: cancelling the evaluation")
            cancelled = True
    while True:
        try:
            code = process.wait()
            break
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
    reader.join()
    if cancelled:
        raise KeyboardInterrupt
    return code, b"".join(out).decode("utf-8", "replace"), lines


def evaluate_all(targets: list[Target], options: list[str], store: Path, cwd: Path, python: str | None) -> list[Outcome]:
    """Evaluates each target in turn; a failure is recorded and the next one still runs."""
    outcomes = []
    for index, target in enumerate(targets, start=1):
        print(f"sextant: evaluating {target.label} ({index}/{len(targets)})", flush=True)
        argv = command_for(target, options, store, python)
        code, stdout, lines = run_one(argv, cwd, show=lambda text: print(f"  {text}", flush=True))
        outcome = Outcome(target, lines=lines)
        try:
            outcome.result = json.loads(stdout) if stdout.strip() else None
        except ValueError:
            outcome.result = None
        if outcome.result is None:
            errors = [line.removeprefix("sextant: ") for line in lines if line.startswith("sextant: ")]
            outcome.error = errors[-1] if errors else f"`sextant evaluate` ended with exit code {code}"
        elif code not in (0, 1):
            outcome.error = f"`sextant evaluate` ended with exit code {code}"
        outcomes.append(outcome)
    return outcomes


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _moved(move: dict) -> str:
    """An alias the gate moved, in words."""
    before = f" (was v{move['previousVersion']})" if move.get("previousVersion") else ""
    return f"Alias @{move.get('alias')} set on {move.get('name')} v{move.get('version')}{before}"


def best_of(metric: str, values: list[float | None]) -> float | None:
    """The best of the values (None for counts, and when fewer than two models have the metric)."""
    present = [v for v in values if v is not None]
    if metric in NEUTRAL or len(present) < 2:
        return None
    return min(present) if metric in LOWER_IS_BETTER else max(present)


def results_bundle(outcomes: list[Outcome]) -> dict:
    """The metrics of every evaluated model, side by side (rows: metrics, columns: models; the
    best value of a row in bold), each gate's verdict, and the evaluation runs' ids."""
    done = [o for o in outcomes if o.result is not None]
    metrics = sorted({key for o in done for key in o.result.get("metrics", {})})
    headers = ["Metric", *(o.target.label for o in done)]
    text_rows, html_rows = [], []
    for metric in metrics:
        values = [o.result["metrics"].get(metric) for o in done]
        best = best_of(metric, values)
        text_rows.append([metric, *(_fmt(v) + ("*" if best is not None and v == best else "") for v in values)])
        html_rows.append(
            [
                html.escape(metric),
                *(
                    f'<b class="sextant-best">{_fmt(v)}</b>' if best is not None and v == best else _fmt(v)
                    for v in values
                ),
            ]
        )
    gates = []
    for o in done:
        gate = o.result.get("gate")
        if gate:
            failing = [m for m in gate.get("metrics", []) if not m.get("passed")]
            why = "; ".join(f for m in failing for f in m.get("failures", []))
            gates.append((o.target.label, bool(gate.get("passed")), why))
    moves = [o.result["aliasSet"] for o in done if o.result.get("aliasSet")]
    runs = [(o.target.label, o.result.get("runId", "")) for o in done]
    failed = [(o.target.label, o.error) for o in outcomes if o.result is None]
    dataset = done[0].result.get("dataset", {}) if done else {}

    text = []
    if done:
        text.append(
            f"Evaluated on {dataset.get('path', '')} ({dataset.get('rows', '?')} rows)"
            + (" (* best)" if len(done) > 1 else "")
        )
        widths = [max(len(r[i]) for r in [headers, *text_rows]) for i in range(len(headers))]
        text += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [headers, *text_rows]]
    text += [f"Gate {label}: {'PASSED' if ok else 'FAILED'}{f' ({why})' if why else ''}" for label, ok, why in gates]
    text += [_moved(move) for move in moves]
    text += [f"Run {label}: {run}" for label, run in runs]
    text += [f"Failed {label}: {error}" for label, error in failed]

    parts = []
    if done:
        caption = (
            f"Evaluated on <code>{html.escape(str(dataset.get('path', '')))}</code> "
            f"({html.escape(str(dataset.get('rows', '?')))} rows)"
        )
        parts.append(html_table(headers, html_rows, caption))
    for label, ok, why in gates:
        colour = "var(--jp-success-color1,#388e3c)" if ok else "var(--jp-error-color1,#d32f2f)"
        parts.append(
            f'<p class="sextant-gate"><b style="color:{colour}">Gate {"passed" if ok else "failed"}</b> '
            f"for {html.escape(label)}{f': {html.escape(why)}' if why else ''}</p>"
        )
    for move in moves:
        parts.append(f'<p class="sextant-alias-set">{html.escape(_moved(move))}</p>')
    if runs:
        parts.append(
            "<p style=\"color:var(--jp-ui-font-color2,#666)\">Evaluation runs: "
            + ", ".join(f"{html.escape(label)} <code>{html.escape(run)}</code>" for label, run in runs)
            + "</p>"
        )
    for label, error in failed:
        parts.append(
            f'<p style="color:var(--jp-error-color1,#d32f2f)">{html.escape(label)} failed: {html.escape(error or "")}</p>'
        )
    return {
        "text/plain": "\n".join(text),
        "text/html": "".join(parts),
        EVALUATION_MIME: {
            "evaluations": [
                {
                    "model": o.target.uri,
                    **({"name": o.target.name, "version": o.target.version} if o.target.name else {}),
                    "runId": o.result.get("runId"),
                    "metrics": o.result.get("metrics", {}),
                    **({"gate": "passed" if o.result["gate"].get("passed") else "failed"} if o.result.get("gate") else {}),
                }
                for o in done
            ],
            "failed": [{"model": o.target.uri, "error": o.error} for o in outcomes if o.result is None],
        },
    }


def show_results(outcomes: list[Outcome]) -> None:
    display(results_bundle(outcomes), raw=True)
