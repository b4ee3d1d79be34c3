"""Records every cell executed while a run is active: source, timing, outcome, what it logged."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field

import mlflow

from .connection import get_run_data, log_cells


@dataclass
class _Pending:
    run_id: str | None
    uri: str | None
    started: float
    source: str
    cell_id: str
    before: dict = field(default_factory=dict)


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


def active_run_and_uri() -> tuple[str | None, str | None]:
    """The kernel's active mlflow run and the HTTP tracking URI it logs to."""
    run = mlflow.active_run()
    uri = mlflow.get_tracking_uri()
    if run is None or not uri.startswith("http"):
        return None, None
    return run.info.run_id, uri.rstrip("/")


class CellTracker:
    """IPython ``pre_run_cell`` / ``post_run_cell`` hooks that record cells against the active run."""

    def __init__(self, ipython) -> None:
        self.ipython = ipython
        self.pending: _Pending | None = None
        self.cells_by_run: dict[str, list[dict]] = {}
        self._warned = False

    def register(self) -> None:
        self.ipython.events.register("pre_run_cell", self.pre_run_cell)
        self.ipython.events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        self.ipython.events.unregister("pre_run_cell", self.pre_run_cell)
        self.ipython.events.unregister("post_run_cell", self.post_run_cell)

    def pre_run_cell(self, info) -> None:
        try:
            run_id, uri = active_run_and_uri()
            self.pending = _Pending(
                run_id=run_id,
                uri=uri,
                started=time.time(),
                source=info.raw_cell or "",
                cell_id=getattr(info, "cell_id", None) or "",
                before=_state(get_run_data(uri, run_id)) if run_id and uri else {},
            )
        except Exception as error:  # a tracking problem must never break the user's cell
            self._warn(error)

    def post_run_cell(self, result) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            run_id, uri = pending.run_id, pending.uri
            if run_id is None:
                run_id, uri = active_run_and_uri()
            if run_id is None or uri is None:
                return
            after = _state(get_run_data(uri, run_id))
            before = pending.before or {"params": {}, "metrics": {}, "tags": {}}
            error = result.error_in_exec or result.error_before_exec
            cell = {
                "cell_id": pending.cell_id,
                "execution_count": result.execution_count,
                "source": pending.source,
                "start_time": int(pending.started * 1000),
                "duration_ms": max(0, int((time.time() - pending.started) * 1000)),
                "status": "error" if error is not None else "ok",
                "logged": {kind: _changed(before[kind], after[kind]) for kind in ("params", "metrics", "tags")},
                **({"error": f"{type(error).__name__}: {error}"} if error is not None else {}),
                **({"notebook": os.environ["JPY_SESSION_NAME"]} if os.environ.get("JPY_SESSION_NAME") else {}),
            }
            log_cells(uri, run_id, [cell])
            self.cells_by_run.setdefault(run_id, []).append(cell)
            self._warned = False
        except Exception as error:
            self._warn(error)

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
                "metadata": {"sextant": {"status": cell["status"], "logged": cell["logged"]}},
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
            print(f"sextant: cell not recorded: {error}", file=sys.stderr)
            self._warned = True
