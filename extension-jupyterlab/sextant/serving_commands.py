"""The ``%sextant deploy``, ``%sextant predict`` and ``%sextant endpoints`` commands: their
arguments read, the work done by :mod:`sextant.serving_magic`, the outcome shown in the cell."""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from datetime import datetime
from pathlib import Path

from IPython.display import display

from .connection import SextantUnavailable, locate_tracking
from .serving_magic import (
    Endpoint,
    ServingMagicError,
    Workspace,
    declare,
    declared,
    endpoint_rows,
    endpoints_bundle,
    predict,
    record_of,
    run_deploy,
    start,
    stop,
)

SUBCOMMANDS = ("up", "down", "list", "status", "logs", "traffic", "promote", "rollback")
URL = re.compile(r"^https?://", re.I)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise ServingMagicError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None):
        raise ServingMagicError((message or self.format_usage()).strip())


def _deploy_parser(sub: str | None) -> _Parser:
    """The options of ``%sextant deploy SUB`` (``None``: ``%sextant deploy NAME -m URI``)."""
    parser = _Parser(prog=f"%sextant deploy{' ' + sub if sub else ''}", add_help=False)
    parser.add_argument("--store")
    if sub in (None, "up", "down", "traffic", "promote", "rollback"):
        parser.add_argument("--reason")
    if sub is None:
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("-m", "--model", required=True, metavar="models:/NAME@ALIAS")
        parser.add_argument("--runtime")
        parser.add_argument("--replicas", type=int)
        parser.add_argument("--python")
    elif sub == "up":
        parser.add_argument("names", nargs="*", metavar="NAME")
        parser.add_argument("--python")
    elif sub in ("down", "status", "logs", "promote", "rollback"):
        parser.add_argument("name", metavar="NAME")
    elif sub == "traffic":
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("weights", nargs="+", metavar="VARIANT=WEIGHT")
    if sub == "status":
        parser.add_argument("--at")
    if sub == "promote":
        parser.add_argument("--variant")
    return parser


def _split_predict(line: str) -> tuple[list[str], str]:
    """``[--oip] [--model M] [--store S] TARGET [ROWS…]``: the words up to and with the target, and
    the rows as written (JSON or a Python expression, spaces and quotes kept)."""
    words: list[str] = []
    rest = line.strip()
    takes_value = {"--model", "--store"}
    while rest:
        word, _, after = rest.partition(" ")
        words.append(word)
        rest = after.strip()
        if word in takes_value:
            value, _, after = rest.partition(" ")
            words.append(value)
            rest = after.strip()
        elif not word.startswith("--"):
            break
    return words, rest


class ServingCommands:
    """The serving magics of one kernel."""

    def __init__(self, shell, tracker) -> None:
        self.shell = shell
        self.tracker = tracker

    def workspace(self, store: str | None) -> Workspace:
        """The kernel's workspace: ``--store`` when given, else the store whose ``server.json``
        names the tracking server, else the ``.sextant`` of the workspace folder."""
        cwd = Path.cwd().resolve()
        if store:
            given = Path(store)
            return Workspace.of(cwd, given if given.is_absolute() else cwd / given)
        location = self.tracker.location
        if location is None or location.server_json is None:
            try:
                location = locate_tracking(ours=self.tracker.location)
            except SextantUnavailable:
                location = None
        if location is not None and location.server_json is not None:
            return Workspace.of(cwd, location.server_json.parent)
        return Workspace.of(cwd, None)

    # --- %sextant deploy ----------------------------------------------------------------------------

    def deploy(self, words: list[str]):
        """``%sextant deploy NAME -m URI …`` or ``%sextant deploy up|down|list|status|logs|
        traffic|promote|rollback …``; ``%sextant deploy`` alone lists."""
        sub = words[0] if words and words[0] in SUBCOMMANDS else None
        if not words:
            sub, words = "list", ["list"]
        if sub is None and words[0].startswith("-") and "-m" not in words and "--model" not in words:
            raise ServingMagicError(f"%sextant deploy: unknown option {words[0]}: `%sextant help deploy`")
        args = _deploy_parser(sub).parse_args(words[1:] if sub else words)
        workspace = self.workspace(args.store)
        if sub is None:
            return self._declare_and_start(workspace, args)
        if sub == "up":
            return self._up(workspace, args)
        if sub == "down":
            print(stop(workspace, args.name, args.reason))
            return None
        if sub == "list":
            display(endpoints_bundle(endpoint_rows(workspace), workspace), raw=True)
            return None
        if sub == "status":
            self._status(workspace, args)
            return None
        extra: list[str] = []
        if sub == "traffic":
            extra = [args.name, *args.weights]
        elif sub == "promote":
            extra = [args.name] + (["--variant", args.variant] if args.variant else [])
        else:
            extra = [args.name]
        if getattr(args, "reason", None):
            extra += ["--reason", args.reason]
        sys.stdout.write(run_deploy(workspace, sub, *extra))
        return None

    def _declare_and_start(self, workspace: Workspace, args) -> Endpoint:
        print(f"sextant: {declare(workspace, args.name, args.model, args.runtime, args.replicas)}")
        try:
            running = record_of(workspace, args.name).get("running")
        except ServingMagicError:
            running = False
        if running:
            print(f"sextant: {args.name} is running: replacing it")
            stop(workspace, args.name, args.reason or f"replaced by {args.model}")
        return self._start_one(workspace, args.name, args.python, args.reason)

    def _start_one(self, workspace: Workspace, name: str, python: str | None, reason: str | None) -> Endpoint:
        url = start(workspace, name, python or sys.executable, reason, show=lambda text: print(text, flush=True))
        return Endpoint(url, name, record_of(workspace, name))

    def _up(self, workspace: Workspace, args):
        names = list(args.names) or sorted(declared(workspace))
        if not names:
            raise ServingMagicError(
                f"{workspace.file} declares no deployments: `%sextant deploy NAME -m models:/<name>@<alias>` adds one"
            )
        started: list[Endpoint] = []
        for name in names:
            try:
                record = record_of(workspace, name)
            except ServingMagicError:
                record = {}
            if record.get("running"):
                print(f"sextant: {name} is already running at {record['state'].get('url')}")
                started.append(Endpoint(record["state"]["url"], name, record))
                continue
            started.append(self._start_one(workspace, name, args.python, args.reason))
        if len(started) == 1:
            return started[0]
        for endpoint in started:
            display(endpoint.bundle(), raw=True)
        return None

    def _status(self, workspace: Workspace, args) -> None:
        if args.at:
            sys.stdout.write(run_deploy(workspace, "status", args.name, "--at", args.at))
            return
        record_of(workspace, args.name)
        rows = [r for r in endpoint_rows(workspace) if r["name"] == args.name]
        bundle = endpoints_bundle(rows, workspace)
        events = [json.loads(line) for line in run_deploy(workspace, "logs", args.name, "--json").splitlines() if line]
        recent = events[-5:]
        if recent:
            lines = [
                f"{datetime.fromtimestamp(e['time'] / 1000):%Y-%m-%d %H:%M:%S}  {e['kind']}  {e['user']}"
                + (f" ({e['reason']})" if e.get("reason") else "")
                for e in recent
            ]
            bundle["text/plain"] += "\nRecent events\n" + "\n".join(f"  {line}" for line in lines)
            bundle["text/html"] += (
                '<p style="margin:6px 0 2px;font-weight:600">Recent events</p><ul class="sextant-events" '
                'style="margin:0;padding-left:18px">' + "".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines) + "</ul>"
            )
        display(bundle, raw=True)

    # --- %sextant endpoints --------------------------------------------------------------------------

    def endpoints(self, store: str | None) -> None:
        workspace = self.workspace(store)
        display(endpoints_bundle(endpoint_rows(workspace), workspace), raw=True)

    # --- %sextant predict ----------------------------------------------------------------------------

    def predict(self, line: str):
        """``%sextant predict [--oip] [--model M] NAME|URL ROWS``: the predictions as a DataFrame."""
        words, rows_text = _split_predict(line)
        parser = _Parser(prog="%sextant predict", add_help=False)
        parser.add_argument("--oip", action="store_true")
        parser.add_argument("--model")
        parser.add_argument("--store")
        parser.add_argument("target", metavar="NAME|URL")
        args = parser.parse_args(words)
        if not rows_text:
            raise ServingMagicError(
                "%sextant predict: give the rows to send: a DataFrame (or any Python expression) or JSON, "
                "e.g. `%sextant predict iris-api X_test.head(5)`"
            )
        value = self._rows(rows_text)
        url, name, model = self._endpoint(args.target, args.store)
        oip_model = args.model or (model if args.oip else None)
        if args.oip and oip_model is None:
            raise ServingMagicError(f"give --model: the name of the model served at {url} (its OIP model name)")
        outcome = predict(url, value, oip_model)
        variant = f", variant {outcome.variant}" if outcome.variant else ""
        protocol = "Open Inference Protocol" if outcome.protocol == "oip" else "MLflow scoring protocol"
        print(
            f"{name or url}: {outcome.rows} row{'s' if outcome.rows != 1 else ''} → {len(outcome.frame)} "
            f"prediction{'s' if len(outcome.frame) != 1 else ''} in {outcome.latency_ms:.1f} ms ({protocol}{variant})"
        )
        outcome.frame.attrs["sextant"] = {
            "url": url,
            "latency_ms": outcome.latency_ms,
            "variant": outcome.variant,
            "protocol": outcome.protocol,
        }
        return outcome.frame

    def _rows(self, text: str):
        """The rows a cell gave: JSON, else a Python expression in the kernel's namespace."""
        try:
            return json.loads(text)
        except ValueError:
            pass
        try:
            return self.shell.ev(text)
        except Exception as error:  # noqa: BLE001 - the user's expression; its error is theirs to see
            raise ServingMagicError(f"the rows '{text}' are neither JSON nor a Python expression here: {type(error).__name__}: {error}") from error

    def _endpoint(self, target: str, store: str | None) -> tuple[str, str | None, str | None]:
        """The URL, deployment name and champion model of ``target`` (a name or a URL)."""
        if URL.match(target):
            url = target.rstrip("/")
            try:
                rows = endpoint_rows(self.workspace(store))
            except ServingMagicError:
                rows = []
            known = next((r for r in rows if r["url"] and r["url"].rstrip("/") == url), None)
            return url, known["name"] if known else None, known["model"] if known else None
        workspace = self.workspace(store)
        record = record_of(workspace, target)
        if not record.get("running"):
            raise ServingMagicError(f"deployment '{target}' is not running: `%sextant deploy up {target}` starts it")
        state = record["state"]
        variants = state.get("variants", [])
        model = next((v["model"] for v in variants if v["name"] == state.get("champion")), variants[0]["model"] if variants else None)
        return state["url"], target, model
