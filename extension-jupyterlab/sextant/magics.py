"""The ``%sextant`` line magic and ``%%sextant`` cell magic."""

from __future__ import annotations

import argparse
import html
import os
import shlex
import sys
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display

from .connection import SextantUnavailable, check_alive, locate_tracking
from .evaluate_magic import EvaluateMagicError, evaluate_all, expand, resolve, show_results, store_of
from .help import help_text
from .loop_magic import GROUPS as LOOP_GROUPS, run_loop_command
from .pipeline_magic import PipelineMagicError, run_pipeline_command
from .registry_magic import (
    RegistryMagicError,
    all_models,
    model_uri_of_run,
    models_bundle,
    register,
    registered_bundle,
    version_details,
    versions_bundle,
    versions_by_model,
    versions_of,
)
from .serving_commands import ServingCommands
from .serving_magic import ServingMagicError
from .tracker import CellTracker, active_run_and_uri

STATUSES = ("FINISHED", "FAILED", "KILLED")
NOTEBOOK_FAILED_CELLS_TAG = "sextant.notebook.failed_cells"
NOTEBOOK_ACTIVE_MS_TAG = "sextant.notebook.active_ms"
RUN_MIME = "application/vnd.sextant.run+json"


class MagicError(Exception):
    """A mistake in a magic's use, shown as one line in the cell."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise MagicError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            raise MagicError(message.strip())
        raise MagicError(self.format_usage().strip())


def _parser() -> _Parser:
    parser = _Parser(prog="%sextant", add_help=False)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)
    start = commands.add_parser("start", add_help=False)
    start.add_argument("--experiment")
    start.add_argument("--name")
    end = commands.add_parser("end", add_help=False)
    end.add_argument("--status", default="FINISHED", type=str.upper, choices=STATUSES)
    log = commands.add_parser("log", add_help=False)
    log.add_argument("--step", type=int, default=None)
    log.add_argument("pairs", nargs="+", metavar="key=value")
    commands.add_parser("status", add_help=False)
    commands.add_parser("open", add_help=False)
    pipeline = commands.add_parser("pipeline", add_help=False)
    pipeline.add_argument("rest", nargs=argparse.REMAINDER)
    register_ = commands.add_parser("register", add_help=False)
    register_.add_argument("name", metavar="NAME")
    register_.add_argument("uri", nargs="?", metavar="URI")
    register_.add_argument("--run", metavar="RUN_ID")
    register_.add_argument("--alias")
    register_.add_argument("--description")
    models = commands.add_parser("models", add_help=False)
    models.add_argument("name", nargs="?", metavar="NAME")
    models.add_argument("--filter")
    evaluate = commands.add_parser("evaluate", add_help=False)
    evaluate.add_argument("models", nargs="+", metavar="MODEL")
    evaluate.add_argument("--versions", nargs="+", metavar="N")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--target", required=True)
    evaluate.add_argument("--task", required=True, choices=("classifier", "regressor"))
    evaluate.add_argument("--store")
    for option in ("--eval-set", "--baseline-alias", "--on-pass-alias", "--reason", "--experiment", "--slice", "--pos-label", "--baseline", "--env", "--python", "--seed"):
        evaluate.add_argument(option)
    evaluate.add_argument("--drop", nargs="+")
    evaluate.add_argument("--threshold", nargs="+")
    evaluate.add_argument("--no-shap", action="store_true")
    evaluate.add_argument("--no-permutation", action="store_true")
    deploy = commands.add_parser("deploy", add_help=False)
    deploy.add_argument("rest", nargs=argparse.REMAINDER)
    endpoints = commands.add_parser("endpoints", add_help=False)
    endpoints.add_argument("--store")
    help_ = commands.add_parser("help", add_help=False)
    help_.add_argument("topic", nargs="?", metavar="COMMAND")
    return parser


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%sextant", add_help=False)
    parser.add_argument("--experiment")
    parser.add_argument("--name")
    return parser


def _seconds(ms: int) -> str:
    """A duration as people read it: 850 ms, 12.3 s, 4 min 05 s."""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds:02d} s"


def _value(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number


@magics_class
class SextantMagics(Magics):
    """``%sextant start|end|log|status|open|pipeline|register|models|evaluate|deploy|predict|
    endpoints|monitor|experiment|timeline|feedback|help`` and ``%%sextant`` for one-off tracked cells."""

    def __init__(self, shell, tracker: CellTracker) -> None:
        super().__init__(shell)
        self.tracker = tracker
        self.serving = ServingCommands(shell, tracker)

    @line_cell_magic
    def sextant(self, line: str, cell: str | None = None):
        try:
            if cell is not None:
                return self._tracked_cell(line, cell)
            command, _, rest = line.strip().partition(" ")
            if command in ("-h", "--help"):
                return self._help(argparse.Namespace(topic=None))
            if command == "predict":
                # Its rows may be JSON or a Python expression: taken as written, not split by shlex.
                return self.serving.predict(rest)
            if command in LOOP_GROUPS:
                # Passed to the command line as written (argparse would take their options).
                return self._loop(command, shlex.split(rest))
            args = _parser().parse_args(shlex.split(line))
            return getattr(self, f"_{args.command}")(args)
        except (
            MagicError,
            SextantUnavailable,
            PipelineMagicError,
            RegistryMagicError,
            EvaluateMagicError,
            ServingMagicError,
            MlflowException,
            ValueError,
        ) as error:
            message = getattr(error, "message", None) or str(error)
            print(f"sextant: {message.splitlines()[0] if message else type(error).__name__}", file=sys.stderr)
        return None

    def _start(self, args) -> None:
        active, _ = active_run_and_uri()
        if active is not None or mlflow.active_run() is not None:
            raise MagicError(f"run {mlflow.active_run().info.run_id} is already active: `%sextant end` it first")
        location = locate_tracking(ours=self.tracker.location)
        check_alive(location.uri)
        self.tracker.location = location
        uri = location.uri
        mlflow.set_tracking_uri(uri)
        created = ""
        if args.experiment:
            # Created here rather than by set_experiment, whose INFO log shows as an error box.
            experiment = mlflow.get_experiment_by_name(args.experiment)
            if experiment is None:
                created = " (new)"
                experiment_id = mlflow.create_experiment(args.experiment)
            else:
                experiment_id = experiment.experiment_id
            mlflow.set_experiment(experiment_id=experiment_id)
        tags = {"sextant.source.type": "notebook"}
        if os.environ.get("JPY_SESSION_NAME"):
            tags["sextant.notebook"] = os.environ["JPY_SESSION_NAME"]
        run = mlflow.start_run(run_name=args.name, tags=tags)
        print(f"Sextant run '{run.info.run_name}' ({run.info.run_id}) started in experiment {run.info.experiment_id}{created} at {uri}")

    def _end(self, args) -> None:
        run_id, uri = self._require_run()
        self.tracker.flush(run_id, uri)
        name, content = self.tracker.notebook_snapshot(run_id)
        mlflow.log_text(content, f"notebook/{name}")
        cells = self.tracker.cells_by_run.get(run_id, [])
        failed = [cell for cell in cells if cell["status"] == "error"]
        active_ms = sum(cell["duration_ms"] for cell in cells)
        mlflow.set_tags({NOTEBOOK_FAILED_CELLS_TAG: str(len(failed)), NOTEBOOK_ACTIVE_MS_TAG: str(active_ms)})
        mlflow.end_run(status=args.status)
        summary = f"{len(cells)} cells recorded, {_seconds(active_ms)} running"
        if failed:
            numbers = ", ".join(f"[{cell['execution_count']}]" for cell in failed)
            summary += f", {len(failed)} failed: {numbers}"
        print(f"Sextant run {run_id} ended {args.status} ({summary}; notebook saved)")
        if failed and args.status == "FINISHED":
            print("sextant: cells failed in this run; `%sextant end --status FAILED` marks such a run failed", file=sys.stderr)

    def _log(self, args) -> None:
        self._require_run()
        metrics: dict[str, float] = {}
        params: dict[str, str] = {}
        for pair in args.pairs:
            key, sep, text = pair.partition("=")
            if not sep or not key:
                raise MagicError(f"'{pair}' is not key=value")
            number = _value(text)
            if number is None:
                params[key] = text
            else:
                metrics[key] = number
        if params:
            mlflow.log_params(params)
        if metrics:
            mlflow.log_metrics(metrics, step=args.step)
        print(f"logged {len(metrics)} metric(s), {len(params)} param(s)")

    def _status(self, _args) -> None:
        run = mlflow.active_run()
        if run is None:
            print("no active Sextant run: `%sextant start` begins one")
            return
        if active_run_and_uri()[0] is not None:
            self._require_run()
        data = mlflow.get_run(run.info.run_id).data
        cells = len(self.tracker.cells_by_run.get(run.info.run_id, []))
        print(
            f"run '{run.info.run_name}' ({run.info.run_id}), experiment {run.info.experiment_id}, "
            f"{len(data.params)} params, {len(data.metrics)} metrics, {cells} cells recorded, "
            f"tracking {mlflow.get_tracking_uri()}"
        )

    def _open(self, _args) -> None:
        run_id, uri = self._require_run()
        experiment_id = mlflow.active_run().info.experiment_id
        link = f"{uri}/#/experiments/{experiment_id}/runs/{run_id}"
        display(
            {
                RUN_MIME: {"runId": run_id, "experimentId": experiment_id, "trackingUri": uri},
                "text/html": f'<a href="{html.escape(link)}">Sextant run {html.escape(run_id)}</a>',
                "text/plain": f"Sextant run {run_id}: {link}",
            },
            raw=True,
        )

    def _pipeline(self, args) -> None:
        """``%sextant pipeline run|runs|logs|cancel|gc …``, as the command line takes them."""
        rest = list(args.rest)
        if not rest:
            rest = ["--help"]
        code = run_pipeline_command(rest, Path.cwd().resolve())
        if code != 0:
            raise MagicError(f"`sextant pipeline {' '.join(rest)}` ended with exit code {code}")

    def _register(self, args) -> None:
        """``%sextant register NAME [URI] [--run RUN_ID] [--alias A]``: a new version of NAME from
        URI, else from the model of the given run, the active run or the last one ended."""
        client = self._registry_client()
        uri = args.uri
        if uri is None:
            run_id = args.run or self._active_or_last_run()
            uri = model_uri_of_run(client, run_id)
        elif args.run:
            raise MagicError("give a URI or --run, not both")
        done = register(client, args.name, uri, alias=args.alias, description=args.description)
        display(registered_bundle(done, uri), raw=True)

    def _models(self, args) -> None:
        """``%sextant models [--filter F]``: the registered models; ``%sextant models NAME``: its versions."""
        client = self._registry_client()
        if args.name is None:
            models = all_models(client, args.filter)
            versions = versions_by_model(client, models)
            display(models_bundle(models, versions), raw=True)
            return
        if args.filter:
            raise MagicError("--filter lists models; `%sextant models NAME` shows one model's versions")
        model = client.get_registered_model(args.name)
        versions = versions_of(client, args.name)
        uri = self._tracking_uri()
        details = {v.version: version_details(uri, v.name, v.version) for v in versions}
        display(versions_bundle(model, versions, details), raw=True)

    def _evaluate(self, args) -> None:
        """``%sextant evaluate MODEL… --data FILE --target COL --task classifier|regressor``: each
        model (``models:/name@alias``, ``models:/name/N``, ``NAME --versions 1 2``, ``runs:/…``,
        ``models:/m-…``) scored on the eval set by ``sextant evaluate``, in the kernel's Python."""
        client = self._registry_client()
        targets = [resolve(client, uri) for uri in expand(args.models, args.versions)]
        cwd = Path.cwd().resolve()
        data = Path(args.data)
        options = ["--data", str(data if data.is_absolute() else cwd / data), "--target", args.target, "--task", args.task]
        for flag in ("eval_set", "baseline_alias", "on_pass_alias", "reason", "experiment", "slice", "pos_label", "baseline", "env", "python", "seed"):
            value = getattr(args, flag)
            if value is not None:
                options += [f"--{flag.replace('_', '-')}", value]
        for flag in ("drop", "threshold"):
            if getattr(args, flag):
                options += [f"--{flag}", *getattr(args, flag)]
        options += ["--no-shap"] if args.no_shap else []
        options += ["--no-permutation"] if args.no_permutation else []
        location = self.tracker.location
        store = Path(args.store) if args.store else store_of(location.server_json if location else None, cwd)
        outcomes = evaluate_all(targets, options, store.resolve(), cwd, sys.executable)
        show_results(outcomes)
        failed = [o for o in outcomes if o.result is None]
        if failed:
            raise MagicError(f"{len(failed)} of {len(outcomes)} evaluations failed: {failed[0].error}")

    def _deploy(self, args):
        """``%sextant deploy …``: see :class:`ServingCommands`."""
        return self.serving.deploy(list(args.rest))

    def _endpoints(self, args) -> None:
        """``%sextant endpoints``: every deployment of the workspace, and how to call it."""
        self.serving.endpoints(args.store)

    def _loop(self, group: str, rest: list[str]) -> None:
        """``%sextant monitor|experiment|timeline|feedback …``, as the command line takes them."""
        code = run_loop_command(group, rest, Path.cwd().resolve())
        if code != 0:
            raise MagicError(f"`sextant {' '.join([group, *rest])}` ended with exit code {code}")

    def _help(self, args) -> None:
        """``%sextant help [COMMAND]``."""
        print(help_text(args.topic))

    def _tracking_uri(self) -> str:
        """The tracking server's address (found as ``%sextant start`` finds it), answering now."""
        current = mlflow.get_tracking_uri().rstrip("/")
        if current.startswith("http"):
            check_alive(current)
            return current
        location = locate_tracking(ours=self.tracker.location)
        check_alive(location.uri)
        self.tracker.location = location
        mlflow.set_tracking_uri(location.uri)
        return location.uri

    def _registry_client(self) -> MlflowClient:
        uri = self._tracking_uri()
        return MlflowClient(tracking_uri=uri, registry_uri=uri)

    @staticmethod
    def _active_or_last_run() -> str:
        run = mlflow.active_run() or mlflow.last_active_run()
        if run is None:
            raise MagicError("no run to register from: give a URI (runs:/…, models:/m-…) or --run RUN_ID")
        return run.info.run_id

    def _tracked_cell(self, line: str, cell: str):
        args = _cell_parser().parse_args(shlex.split(line))
        self._start(argparse.Namespace(experiment=args.experiment, name=args.name))
        result = self.shell.run_cell(cell, store_history=False)
        self._end(argparse.Namespace(status="FINISHED" if result.success else "FAILED"))
        return None

    def _require_run(self) -> tuple[str, str]:
        """The active run and the address its server answers at now (a restarted server is
        followed through server.json, and mlflow with it)."""
        run_id, uri = active_run_and_uri()
        if run_id is None or uri is None:
            raise MagicError("no active Sextant run: `%sextant start` begins one")
        _, uri = self.tracker.call(check_alive, uri)
        return run_id, uri
