"""Records every cell executed while a run is active: source, timing, outcome, what it logged."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import mlflow

from .connection import TrackingLocation, get_run_data, is_connection_error, log_cells

T = TypeVar("T")
_KINDS = ("params", "metrics", "tags")
_EMPTY = {kind: {} for kind in _KINDS}


@dataclass
class _Pending:
    run_id: str | None
    uri: str | None
    started: float
    source: str
    cell_id: str
    before: dict | None


@dataclass
class _Unsent:
    """A cell record not yet stored; ``before`` is the run's state before the cell when its
    ``logged`` lists still have to be worked out (the server was away after the cell)."""

    cell: dict
    before: dict | None


def source_hash(source: str) -> str:
    """The hash of a cell's source as the store records it (``sourceHash``): SHA-256 hex of the
    UTF-8 source with every line end read as ``\\n``. The one rule lives in
    ``core/src/model/sourceHash.ts``; ``tests/test_source_hash.py`` keeps this copy to it."""
    normalized = source.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _state(data: dict) -> dict:
    """Comparable view of a run's data: params, metrics and tags by key."""
    return {
        "params": {p["key"]: p.get("value") for p in data.get("params", [])},
        "metrics": {
            m["key"]: (m.get("step"), m.get("timestamp"), m.get("value")) for m in data.get("metrics", [])
        },
        "tags": {t["key"]: t.get("value") for t in data.get("tags", []) if not t["key"].startswith("mlflow.")},
    }


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(key for key, value in after.items() if before.get(key) != value)


def _logged(before: dict | None, after: dict) -> dict[str, list[str]]:
    """What changed between two states; nothing is claimed when the state before is unknown."""
    return {kind: _changed(before[kind], after[kind]) if before is not None else [] for kind in _KINDS}


def active_run_and_uri() -> tuple[str | None, str | None]:
    """The kernel's active mlflow run and the HTTP tracking URI it logs to."""
    run = mlflow.active_run()
    uri = mlflow.get_tracking_uri()
    if run is None or not uri.startswith("http"):
        return None, None
    return run.info.run_id, uri.rstrip("/")


class CellTracker:
    """IPython ``pre_run_cell`` / ``post_run_cell`` hooks that record cells against the active run.

    Cell records that cannot reach the server wait in ``unsent`` and go with the next call that
    does. When the address came from ``.sextant/server.json`` (``location``) and the server stops
    answering, ``call`` reads the file again, points mlflow at the new address and retries once:
    a restarted server (a new port) keeps the run going."""

    def __init__(self, ipython) -> None:
        self.ipython = ipython
        self.pending: _Pending | None = None
        self.cells_by_run: dict[str, list[dict]] = {}
        self.unsent: dict[str, list[_Unsent]] = {}
        self.location: TrackingLocation | None = None
        self._warned = False

    def register(self) -> None:
        self.ipython.events.register("pre_run_cell", self.pre_run_cell)
        self.ipython.events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        self.ipython.events.unregister("pre_run_cell", self.pre_run_cell)
        self.ipython.events.unregister("post_run_cell", self.post_run_cell)

    def call(self, request: Callable[..., T], uri: str, *args) -> tuple[T, str]:
        """``request(uri, *args)`` and the address it answered at, following a moved server once."""
        try:
            return request(uri, *args), uri
        except Exception as error:
            moved = self._moved_to(uri) if is_connection_error(error) else None
            if moved is None:
                raise
        return request(moved, *args), moved

    def flush(self, run_id: str, uri: str) -> str:
        """Sends the run's waiting cell records; returns the address that answered."""
        data, uri = self.call(get_run_data, uri, run_id)
        self._send(run_id, uri, _state(data))
        return uri

    def pre_run_cell(self, info) -> None:
        started = time.time()
        run_id, uri = active_run_and_uri()
        before: dict | None = dict(_EMPTY)
        try:
            if run_id is not None and uri is not None:
                before = None
                data, uri = self.call(get_run_data, uri, run_id)
                before = _state(data)
                self._send(run_id, uri, before)
        except Exception as error:  # a tracking problem must never break the user's cell
            self._warn(error)
        self.pending = _Pending(
            run_id=run_id,
            uri=uri,
            started=started,
            source=info.raw_cell or "",
            cell_id=getattr(info, "cell_id", None) or "",
            before=before,
        )

    def post_run_cell(self, result) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        run_id, uri = pending.run_id, pending.uri
        if run_id is None:
            run_id, uri = active_run_and_uri()
        if run_id is None or uri is None:
            return
        error = result.error_in_exec or result.error_before_exec
        cell = {
            "cell_id": pending.cell_id,
            "execution_count": result.execution_count,
            "source": pending.source,
            "start_time": int(pending.started * 1000),
            "duration_ms": max(0, int((time.time() - pending.started) * 1000)),
            "status": "error" if error is not None else "ok",
            **({"error": f"{type(error).__name__}: {error}"} if error is not None else {}),
            **({"notebook": os.environ["JPY_SESSION_NAME"]} if os.environ.get("JPY_SESSION_NAME") else {}),
        }
        self.cells_by_run.setdefault(run_id, []).append(cell)
        self.unsent.setdefault(run_id, []).append(_Unsent(cell, pending.before))
        try:
            self.flush(run_id, uri)
            self._warned = False
        except Exception as problem:
            self._warn(problem)

    def _send(self, run_id: str, uri: str, state: dict) -> None:
        """Works out the waiting records' ``logged`` lists against ``state`` (each key going to the
        first waiting cell that could have logged it) and stores them; they stay waiting on failure."""
        waiting = self.unsent.get(run_id)
        if not waiting:
            return
        claimed: dict[str, set[str]] = {kind: set() for kind in _KINDS}
        for entry in waiting:
            if "logged" not in entry.cell:
                logged = _logged(entry.before, state)
                entry.cell["logged"] = {kind: [k for k in keys if k not in claimed[kind]] for kind, keys in logged.items()}
            for kind in _KINDS:
                claimed[kind].update(entry.cell["logged"][kind])
        log_cells(uri, run_id, [entry.cell for entry in waiting])
        del self.unsent[run_id]

    def _moved_to(self, uri: str) -> str | None:
        """The server's new address when ``uri`` is the server.json one and the file names
        another; mlflow's tracking URI follows it."""
        location = self.location
        if location is None or location.server_json is None:
            return None
        if uri != location.uri:
            return location.uri if uri in location.former else None
        if not location.reread():
            return None
        if mlflow.get_tracking_uri().rstrip("/") in location.former:
            mlflow.set_tracking_uri(location.uri)
        return location.uri

    def notebook_snapshot(self, run_id: str) -> tuple[str, str]:
        """The notebook as a file name and nbformat 4 JSON: the saved file when the kernel knows it,
        else the cells this run executed, in order."""
        path = os.environ.get("JPY_SESSION_NAME", "")
        if path.endswith(".ipynb") and os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                return os.path.basename(path), handle.read()
        cells = [
            {
                "cell_type": "code",
                "id": cell["cell_id"] or f"cell-{index}",
                "metadata": {"sextant": {"status": cell["status"], "logged": cell.get("logged", {})}},
                "execution_count": cell["execution_count"],
                "source": cell["source"],
                "outputs": [],
            }
            for index, cell in enumerate(self.cells_by_run.get(run_id, []))
        ]
        notebook = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": cells,
        }
        return "executed-cells.ipynb", json.dumps(notebook, indent=1)

    def _warn(self, error: Exception) -> None:
        if not self._warned:
            print(f"sextant: cell records wait for the tracking server: {error}", file=sys.stderr)
            self._warned = True
