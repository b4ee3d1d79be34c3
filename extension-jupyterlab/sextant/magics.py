"""The ``%sextant`` line magic and ``%%sextant`` cell magic."""

from __future__ import annotations

import argparse
import html
import os
import shlex
import sys
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display

from .connection import SextantUnavailable, check_alive, locate_tracking
from .pipeline_magic import PipelineMagicError, run_pipeline_command
from .tracker import CellTracker, active_run_and_uri

STATUSES = ("FINISHED", "FAILED", "KILLED")
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
    return parser


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%sextant", add_help=False)
    parser.add_argument("--experiment")
    parser.add_argument("--name")
    return parser


def _value(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number


@magics_class
class SextantMagics(Magics):
    """``%sextant start|end|log|status|open`` and ``%%sextant`` for one-off tracked cells."""

    def __init__(self, shell, tracker: CellTracker) -> None:
        super().__init__(shell)
        self.tracker = tracker

    @line_cell_magic
    def sextant(self, line: str, cell: str | None = None):
        try:
            if cell is not None:
                return self._tracked_cell(line, cell)
            args = _parser().parse_args(shlex.split(line))
            return getattr(self, f"_{args.command}")(args)
        except (MagicError, SextantUnavailable, PipelineMagicError, MlflowException, ValueError) as error:
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
        mlflow.end_run(status=args.status)
        recorded = len(self.tracker.cells_by_run.get(run_id, []))
        print(f"Sextant run {run_id} ended {args.status} ({recorded} cells recorded, notebook saved)")

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
