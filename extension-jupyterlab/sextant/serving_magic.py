"""``%sextant deploy``, ``%sextant predict`` and ``%sextant endpoints``: the deployments of the
workspace's ``sextant.yaml`` from a notebook cell.

Each runs Sextant's ``deploy`` command line on the workspace's store, as a terminal user would.
A deployment started here runs in a process of its own (``sextant deploy up NAME``), apart from
the kernel: it keeps serving when the kernel restarts, and ``%sextant deploy down NAME`` (or the
IDE) stops it. Its output goes to ``.sextant/deployments/NAME.log``, where the IDEs read it too.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .pipeline_magic import PIPELINE_FILE, PipelineMagicError, cli_argv, pipeline_file_of, workspace_of
from .registry_magic import html_table

# What ``%sextant endpoints`` and ``%sextant deploy`` display besides HTML and text, for a frontend
# that links the deployments to its views.
DEPLOYMENTS_MIME = "application/vnd.sextant.deployments+json"
READY_LINE = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)
# How long a deployment may take to load its models and answer (workers importing sklearn or
# torch on a busy machine take tens of seconds).
READY_TIMEOUT_S = 300
# How long a prediction request may take.
PREDICT_TIMEOUT_S = 120
# The lines of a failed deployment's log shown in the cell.
LOG_TAIL_LINES = 12
_MUTED = 'style="color:var(--jp-ui-font-color2,#666)"'
_CODE = (
    'style="display:block;white-space:pre;overflow-x:auto;padding:4px 8px;margin:2px 0;'
    'background:var(--jp-layout-color2,#f5f5f5);color:var(--jp-content-font-color1,#000);'
    'font-family:var(--jp-code-font-family,monospace);font-size:var(--jp-code-font-size,12px)"'
)
_STATUS_COLOURS = {
    "running": "var(--jp-success-color1,#388e3c)",
    "stopped": "var(--jp-ui-font-color2,#666)",
    "declared": "var(--jp-warn-color1,#f57c00)",
}


class ServingMagicError(Exception):
    """A deployment cannot be changed or called as asked; the message says what to do."""


@dataclass
class Workspace:
    """Where the deployments of a kernel live: the workspace folder (the command line's working
    folder), its store and the ``sextant.yaml`` declaring them."""

    root: Path
    store: Path
    file: Path

    @staticmethod
    def of(cwd: Path, store: Path | None) -> "Workspace":
        """The workspace above ``cwd`` (the nearest folder holding ``.sextant``), with ``store``
        when given, and its nearest ``sextant.yaml`` (the workspace's own when there is none)."""
        root = workspace_of(cwd)
        file = pipeline_file_of(cwd, root) or root / PIPELINE_FILE
        return Workspace(root, (store or root / ".sextant").resolve(), file.resolve())

    def log_of(self, name: str) -> Path:
        return self.store / "deployments" / f"{name}.log"


def _argv(*args: str) -> list[str]:
    try:
        return [*cli_argv(), *args]
    except PipelineMagicError as error:
        raise ServingMagicError(str(error)) from error


def _error_of(output: str, fallback: str) -> str:
    """The command line's own message (its last ``sextant: …`` line), without the error code."""
    lines = [line for line in output.splitlines() if line.startswith("sextant")]
    if not lines:
        return fallback
    message = lines[-1].split(": ", 1)[-1]
    return re.sub(r"^[A-Z_]+: ", "", message)


def run_deploy(workspace: Workspace, *args: str, with_file: bool = True) -> str:
    """Runs ``sextant deploy <args>`` on the workspace's store; answers its output, or raises
    :class:`ServingMagicError` with the command line's message."""
    extra = ["--store", str(workspace.store)]
    if with_file:
        extra += ["--file", str(workspace.file)]
    done = subprocess.run(
        _argv("deploy", *args, *extra),
        cwd=workspace.root,
        capture_output=True,
        text=True,
        env={**os.environ, "FORCE_COLOR": "0"},
        timeout=120,
    )
    if done.returncode != 0:
        raise ServingMagicError(_error_of(done.stderr + done.stdout, f"`sextant deploy {args[0]}` failed"))
    return done.stdout


def records(workspace: Workspace) -> list[dict]:
    """The recorded deployments (``sextant deploy list --json``), each with ``running``; none
    when the workspace has no store yet."""
    if not (workspace.store / "sextant.db").is_file():
        return []
    return [json.loads(line) for line in run_deploy(workspace, "list", "--json").splitlines() if line.strip()]


def record_of(workspace: Workspace, name: str) -> dict:
    """One recorded deployment, with ``running``."""
    if not (workspace.store / "sextant.db").is_file():
        raise ServingMagicError(f"no deployment named '{name}': deploy it with `%sextant deploy {name} -m models:/…`")
    return json.loads(run_deploy(workspace, "status", name, "--json"))


def declared(workspace: Workspace) -> dict[str, dict]:
    """The deployments ``sextant.yaml`` declares, by name (as written; empty when there is no
    file or it is not readable YAML: the command line reports those problems)."""
    import yaml

    try:
        doc = yaml.safe_load(workspace.file.read_text())
    except (OSError, yaml.YAMLError):
        return {}
    section = doc.get("deployments") if isinstance(doc, dict) else None
    return {str(k): v for k, v in section.items() if isinstance(v, dict)} if isinstance(section, dict) else {}


def declare(workspace: Workspace, name: str, model: str, runtime: str | None, replicas: int | None) -> str:
    """Writes the deployment into ``sextant.yaml`` (``sextant deploy set``)."""
    args = ["set", name, "--model", model]
    if runtime is not None:
        args += ["--runtime", runtime]
    if replicas is not None:
        args += ["--replicas", str(replicas)]
    done = subprocess.run(
        _argv("deploy", *args, "--file", str(workspace.file)),
        cwd=workspace.root,
        capture_output=True,
        text=True,
        env={**os.environ, "FORCE_COLOR": "0"},
        timeout=60,
    )
    if done.returncode != 0:
        raise ServingMagicError(_error_of(done.stderr + done.stdout, "`sextant deploy set` failed"))
    return done.stdout.strip()


def _tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL_LINES:])


def start(workspace: Workspace, name: str, python: str | None, reason: str | None = None, show=print) -> str:
    """Starts ``sextant deploy up NAME`` in a process of its own and waits until it serves;
    answers its URL. A kernel interrupt while waiting stops it."""
    log = workspace.log_of(name)
    log.parent.mkdir(parents=True, exist_ok=True)
    args = ["up", name, "--store", str(workspace.store), "--file", str(workspace.file)]
    if python:
        args += ["--python", python]
    if reason:
        args += ["--reason", reason]
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            _argv("deploy", *args),
            cwd=workspace.root,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "FORCE_COLOR": "0"},
            # Its own session: a kernel interrupt or restart does not reach it.
            start_new_session=True,
        )
    show(f"sextant: starting {name} (log: {log})")
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            match = READY_LINE.search(log.read_text(errors="replace"))
            if match and match.group(1) == name:
                return match.group(2)
            if process.poll() is not None:
                tail = _tail(log)
                last = tail.splitlines()[-1] if tail else "it printed nothing"
                raise ServingMagicError(f"{name} did not start (exit code {process.returncode}): {_error_of(tail, last)}")
            if time.monotonic() > deadline:
                process.send_signal(signal.SIGINT)
                raise ServingMagicError(f"{name} was not ready within {READY_TIMEOUT_S} s; stopped (log: {log})")
            time.sleep(0.1)
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        show(f"sextant: interrupted: {name} stopped")
        raise


def stop(workspace: Workspace, name: str, reason: str | None = None) -> str:
    args = ["down", name] + (["--reason", reason] if reason else [])
    return run_deploy(workspace, *args).strip()


# --- what the cells show -------------------------------------------------------------------------


def _variants_text(state: dict) -> str:
    return ", ".join(
        f"{v['name']}={v['model']} v{v['version']} ({'shadow' if v.get('shadow') else str(v.get('weight')) + '%'})"
        for v in state.get("variants", [])
    )


def snippets(url: str, model: str, example: str = '{"dataframe_split": {"columns": [...], "data": [[...]]}}') -> dict[str, str]:
    """How to call an endpoint: curl and Python (MLflow's scoring protocol), and the OIP route."""
    return {
        "curl": f"curl -s {url}/invocations -H 'Content-Type: application/json' \\\n  -d '{example}'",
        "python": (
            "import requests\n"
            f'response = requests.post("{url}/invocations", json={{"dataframe_split": df.to_dict(orient="split")}})\n'
            'predictions = response.json()["predictions"]'
        ),
        "oip": f"POST {url}/v2/models/{model}/infer",
    }


def live_figures(url: str, name: str, window_s: int = 60) -> dict | None:
    """A running deployment's figures over the last ``window_s`` seconds, its variants that take
    traffic together (requests, requestRate, errorRate, p50Ms, p99Ms), from its loopback admin
    route; None when it does not answer."""
    token = os.environ.get("SEXTANT_TOKEN")
    try:
        response = requests.get(
            f"{url}/v2/sextant/deployments/{name}/stats",
            params={"window": window_s, "requests": 0},
            headers={"authorization": f"Bearer {token}"} if token else {},
            timeout=2,
        )
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    return response.json().get("total")


def _ms(value) -> str:
    return "–" if value is None else f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def live_text(live: dict | None) -> str:
    """The last minute in one line: ``3.10 req/s · p50 2.1 ms · p99 9.8 ms · 0.0% errors``."""
    if not live:
        return "–"
    return (
        f"{live.get('requestRate', 0):.2f} req/s · p50 {_ms(live.get('p50Ms'))} · p99 {_ms(live.get('p99Ms'))} · "
        f"{100 * live.get('errorRate', 0):.1f}% errors"
    )


def live_html(live: dict | None) -> str:
    """The last minute in three short lines, for a table cell."""
    if not live:
        return "–"
    lines = [
        f"{live.get('requestRate', 0):.2f} req/s",
        f"p50 {_ms(live.get('p50Ms'))} · p99 {_ms(live.get('p99Ms'))}",
        f"{100 * live.get('errorRate', 0):.1f}% errors",
    ]
    return '<span class="sextant-live" style="white-space:nowrap">' + "<br>".join(html.escape(x) for x in lines) + "</span>"


def endpoint_rows(workspace: Workspace) -> list[dict]:
    """Every deployment of the workspace: the recorded ones (running or stopped) and those
    ``sextant.yaml`` declares that were never deployed; by name."""
    rows = []
    seen = set()
    for record in records(workspace):
        state = record.get("state", {})
        variants = state.get("variants", [])
        seen.add(record["name"])
        rows.append(
            {
                "name": record["name"],
                "status": "running" if record.get("running") else "stopped",
                "url": state.get("url") if record.get("running") else None,
                "variants": [
                    {k: v.get(k) for k in ("name", "model", "version", "uri", "weight", "shadow", "replicas")}
                    for v in variants
                ],
                "replicas": sum(int(v.get("replicas", 0)) for v in variants) if record.get("running") else 0,
                "model": next((v["model"] for v in variants if v["name"] == state.get("champion")), variants[0]["model"] if variants else ""),
                "lastUpdateTime": record.get("lastUpdateTime"),
                "live": live_figures(state["url"], record["name"]) if record.get("running") and state.get("url") else None,
            }
        )
    for name, spec in declared(workspace).items():
        if name in seen:
            continue
        rows.append(
            {
                "name": name,
                "status": "declared",
                "url": None,
                "variants": [{"name": "champion", "uri": spec.get("model"), "weight": 100, "shadow": False}],
                "replicas": 0,
                "model": str(spec.get("model", "")).removeprefix("models:/").split("@")[0].split("/")[0],
                "lastUpdateTime": None,
                "live": None,
            }
        )
    return sorted(rows, key=lambda r: r["name"])


def _variant_html(variant: dict) -> str:
    served = (
        f"{html.escape(str(variant.get('model')))} v{html.escape(str(variant.get('version')))}"
        if variant.get("version")
        else html.escape(str(variant.get("uri") or ""))
    )
    share = "shadow" if variant.get("shadow") else f"{variant.get('weight')}%"
    bar = "" if variant.get("shadow") else (
        f'<span style="display:inline-block;vertical-align:middle;width:60px;height:6px;margin-left:6px;'
        f'background:var(--jp-layout-color3,#ddd)"><span style="display:block;height:6px;'
        f'width:{max(0, min(100, float(variant.get("weight") or 0))):.0f}%;background:var(--jp-brand-color1,#1976d2)">'
        "</span></span>"
    )
    return f"<div><b>{html.escape(str(variant.get('name')))}</b> {served} <span {_MUTED}>{share}</span>{bar}</div>"


def endpoints_bundle(rows: list[dict], workspace: Workspace) -> dict:
    """``%sextant endpoints``: each deployment's status, URL, variants and weights, replicas,
    and for a running one how to call it (curl, Python, OIP)."""
    if not rows:
        text = (
            f"no deployments in {workspace.file}: `%sextant deploy NAME -m models:/<name>@<alias>` "
            "declares and starts one"
        )
        return {"text/plain": text, "text/html": f"<p {_MUTED}>{html.escape(text)}</p>", DEPLOYMENTS_MIME: {"deployments": []}}
    headers = ["Deployment", "Status", "URL", "Variants", "Replicas", "Last minute", "Call it"]
    html_rows, text_lines = [], []
    for row in rows:
        colour = _STATUS_COLOURS.get(row["status"], "inherit")
        status = f'<span class="sextant-status-{row["status"]}" style="color:{colour};font-weight:600">● {row["status"]}</span>'
        url = f'<a href="{html.escape(row["url"])}" target="_blank"><code>{html.escape(row["url"])}</code></a>' if row["url"] else "-"
        calls = ""
        if row["url"]:
            snip = snippets(row["url"], row["model"])
            calls = (
                '<details class="sextant-snippets"><summary>curl / Python</summary>'
                f"<code {_CODE}>{html.escape(snip['curl'])}</code>"
                f"<code {_CODE}>{html.escape(snip['python'])}</code>"
                f"<span {_MUTED}>Open Inference Protocol: <code>{html.escape(snip['oip'])}</code></span></details>"
            )
        html_rows.append(
            [
                f"<b>{html.escape(row['name'])}</b>",
                status,
                url,
                "".join(_variant_html(v) for v in row["variants"]),
                str(row["replicas"]) if row["status"] == "running" else "-",
                live_html(row["live"]) if row["status"] == "running" else "-",
                calls,
            ]
        )
        text_lines.append(
            f"{row['name']}  {row['status']}  {row['url'] or '-'}  "
            + ", ".join(
                f"{v['name']}={v.get('model') or v.get('uri')}{' v' + str(v['version']) if v.get('version') else ''}"
                f"({'shadow' if v.get('shadow') else str(v.get('weight')) + '%'})"
                for v in row["variants"]
            )
            + (f"  replicas {row['replicas']}  {live_text(row['live'])}" if row["status"] == "running" else "")
        )
        if row["url"]:
            text_lines.append(f"  curl -s {row['url']}/invocations -H 'Content-Type: application/json' -d '{{\"dataframe_split\": …}}'")
    caption = f"Deployments ({len(rows)}, {sum(r['status'] == 'running' for r in rows)} running)"
    return {
        "text/plain": "\n".join([caption, *text_lines]),
        "text/html": html_table(headers, html_rows, html.escape(caption)),
        DEPLOYMENTS_MIME: {"deployments": rows, "file": str(workspace.file)},
    }


class Endpoint(str):
    """The URL of a deployment a cell started: a string (``url = %sextant deploy …`` then
    ``requests.post(url + "/invocations", …)``) that displays as the deployment's card."""

    def __new__(cls, url: str, name: str, record: dict):
        value = super().__new__(cls, url)
        value.name = name
        value.record = record
        return value

    def _ipython_display_(self) -> None:
        # Displayed as a whole: IPython's plain-text printer of str would take text/plain over.
        from IPython.display import display

        display(self.bundle(), raw=True)

    def bundle(self) -> dict:
        """The deployment's card: its URL, variants and how to call it."""
        state = self.record.get("state", {})
        variants = state.get("variants", [])
        model = next((v["model"] for v in variants if v["name"] == state.get("champion")), variants[0]["model"] if variants else "")
        snip = snippets(str(self), model)
        body = (
            f'<div class="sextant-endpoint"><p><b>{html.escape(self.name)}</b> is serving at '
            f'<a href="{html.escape(str(self))}" target="_blank"><code>{html.escape(str(self))}</code></a></p>'
            + "".join(_variant_html(v) for v in variants)
            + f"<code {_CODE}>{html.escape(snip['curl'])}</code><code {_CODE}>{html.escape(snip['python'])}</code></div>"
        )
        return {
            "text/plain": f"{self.name} is serving at {self} ({_variants_text(state)})",
            "text/html": body,
            DEPLOYMENTS_MIME: {"deployment": self.name, "url": str(self)},
        }


# --- predictions -----------------------------------------------------------------------------------


@dataclass
class Prediction:
    """A prediction request's outcome: the predictions as a table, and how it went."""

    frame: object
    latency_ms: float
    variant: str | None
    rows: int
    protocol: str


_OIP_TYPES = {"b": "BOOL", "i": "INT64", "u": "UINT64", "f": "FP64", "O": "BYTES", "U": "BYTES", "S": "BYTES"}


def payload_of(value) -> dict:
    """MLflow scoring-protocol body for a DataFrame, a Series, a numpy array, a list of records
    or a dict (a dict already in the protocol's shape is sent as it is)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.Series):
        value = value.to_frame()
    if isinstance(value, pd.DataFrame):
        split = json.loads(value.to_json(orient="split", index=False, date_format="iso"))
        return {"dataframe_split": {"columns": split["columns"], "data": split["data"]}}
    if isinstance(value, np.ndarray):
        return {"inputs": value.tolist()}
    if isinstance(value, dict):
        if value.keys() & {"dataframe_split", "dataframe_records", "instances", "inputs"}:
            return value
        return {"dataframe_split": payload_of(pd.DataFrame(value))["dataframe_split"]}
    if isinstance(value, list):
        if value and all(isinstance(r, dict) for r in value):
            return {"dataframe_records": value}
        return {"instances": value}
    raise ServingMagicError(
        f"cannot send a {type(value).__name__}: give a DataFrame, a numpy array, a list of records or JSON"
    )


def oip_request_of(value) -> dict:
    """An Open Inference Protocol request: one input per column of a DataFrame (or of records)."""
    import pandas as pd

    if isinstance(value, dict) and "inputs" in value and isinstance(value["inputs"], list) and all(
        isinstance(i, dict) for i in value["inputs"]
    ):
        return value
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
        value = pd.DataFrame(value)
    if isinstance(value, dict):
        value = pd.DataFrame(value)
    if not isinstance(value, pd.DataFrame):
        raise ServingMagicError("--oip sends a DataFrame, records, or an OIP request ({\"inputs\": [...]})")
    inputs = []
    for column in value.columns:
        series = value[column]
        datatype = _OIP_TYPES.get(series.dtype.kind, "BYTES")
        data = json.loads(series.to_json(orient="values", date_format="iso"))
        inputs.append({"name": str(column), "shape": [len(series)], "datatype": datatype, "data": data})
    return {"inputs": inputs}


def _frame_of_mlflow(body) -> object:
    import pandas as pd

    predictions = body.get("predictions", body) if isinstance(body, dict) else body
    if isinstance(predictions, dict):
        return pd.DataFrame(predictions)
    if isinstance(predictions, list) and predictions and isinstance(predictions[0], dict):
        return pd.DataFrame.from_records(predictions)
    if isinstance(predictions, list) and predictions and isinstance(predictions[0], list):
        return pd.DataFrame(predictions)
    return pd.DataFrame({"prediction": predictions if isinstance(predictions, list) else [predictions]})


def _frame_of_oip(body: dict) -> object:
    import numpy as np
    import pandas as pd

    columns = {}
    for output in body.get("outputs", []):
        data = np.asarray(output.get("data", []))
        shape = output.get("shape") or [len(data)]
        data = data.reshape(shape) if int(np.prod(shape)) == data.size else data
        if data.ndim == 1:
            columns[output["name"]] = data
        else:
            for i in range(data.shape[1]):
                columns[f"{output['name']}_{i}"] = data[:, i].tolist() if data.ndim == 2 else list(data[:, i])
    return pd.DataFrame(columns)


def _message_of(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)
    return str(body)


def predict(url: str, value, oip_model: str | None = None, headers: dict | None = None) -> Prediction:
    """Sends ``value`` to the endpoint at ``url`` (MLflow's ``/invocations``, or the OIP
    ``/v2/models/<oip_model>/infer`` when that is given); answers the predictions as a DataFrame."""
    if oip_model is not None:
        body = oip_request_of(value)
        target = f"{url}/v2/models/{oip_model}/infer"
        rows = max((i["shape"][0] for i in body["inputs"] if i.get("shape")), default=0)
    else:
        body = payload_of(value)
        target = f"{url}/invocations"
        inner = next(iter(body.values()))
        rows = len(inner["data"]) if isinstance(inner, dict) and "data" in inner else len(inner) if isinstance(inner, list) else 1
    began = time.perf_counter()
    try:
        response = requests.post(target, json=body, headers=headers or {}, timeout=PREDICT_TIMEOUT_S)
    except requests.RequestException as error:
        raise ServingMagicError(f"{url} is not answering ({type(error).__name__}): is the deployment running?") from error
    latency = (time.perf_counter() - began) * 1000
    if response.status_code >= 400:
        raise ServingMagicError(f"the endpoint answered {response.status_code}: {_message_of(response)}")
    answer = response.json()
    frame = _frame_of_oip(answer) if oip_model is not None else _frame_of_mlflow(answer)
    return Prediction(frame, latency, response.headers.get("x-sextant-variant"), rows, "oip" if oip_model else "mlflow")
