"""Where the Sextant tracking server is, and short-timeout REST calls to it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import requests

TIMEOUT_S = 5


class SextantUnavailable(Exception):
    """The tracking server cannot be found or does not answer."""


@dataclass
class TrackingLocation:
    """Where the kernel tracks to. ``server_json`` is the file the address was read from, or None
    when it came from ``MLFLOW_TRACKING_URI``; ``former`` holds the addresses it had before."""

    uri: str
    server_json: Path | None = None
    former: set[str] = field(default_factory=set)

    def reread(self) -> bool:
        """Reads ``server_json`` again; True (and ``uri`` updated) when the server moved."""
        if self.server_json is None or not self.server_json.is_file():
            return False
        fresh = _read_server_json(self.server_json)
        if fresh == self.uri:
            return False
        self.former.add(self.uri)
        self.uri = fresh
        return True


def _read_server_json(info: Path) -> str:
    try:
        return str(json.loads(info.read_text())["url"]).rstrip("/")
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise SextantUnavailable(f"unreadable {info}: {error}") from error


def locate_tracking(start: Path | None = None, ours: TrackingLocation | None = None) -> TrackingLocation:
    """``MLFLOW_TRACKING_URI`` if the user set it, else the ``server.json`` of the nearest
    ``.sextant`` folder. ``ours`` is the location Sextant pointed mlflow to before: mlflow copies
    its tracking URI into ``MLFLOW_TRACKING_URI``, so that value does not count as the user's."""
    uri = (os.environ.get("MLFLOW_TRACKING_URI") or "").rstrip("/")
    set_by_us = ours is not None and ours.server_json is not None and uri in {ours.uri, *ours.former}
    if uri and not set_by_us:
        return TrackingLocation(uri)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        info = folder / ".sextant" / "server.json"
        if info.is_file():
            return TrackingLocation(_read_server_json(info), info)
    raise SextantUnavailable(
        "no tracking server: set MLFLOW_TRACKING_URI, or start one with `sextant server` "
        "(or open the folder in VS Code/JupyterLab with Sextant)"
    )


def is_connection_error(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) is a refused or dropped connection."""
    return isinstance(error, requests.ConnectionError) or isinstance(error.__cause__, requests.ConnectionError)


def check_alive(uri: str) -> None:
    """Raises SextantUnavailable unless the server answers ``/health`` within the timeout."""
    try:
        requests.get(f"{uri}/health", timeout=2).raise_for_status()
    except requests.RequestException as error:
        raise SextantUnavailable(f"the tracking server at {uri} is not answering ({type(error).__name__})") from error


def get_run_data(uri: str, run_id: str) -> dict:
    """The run's ``data`` block (params, latest metrics, tags) via the MLflow REST API."""
    response = requests.get(
        f"{uri}/api/2.0/mlflow/runs/get", params={"run_id": run_id}, timeout=TIMEOUT_S
    )
    response.raise_for_status()
    return response.json().get("run", {}).get("data", {})


def log_cells(uri: str, run_id: str, cells: list[dict]) -> None:
    """Records executed cells against a run (Sextant's ``/api/2.0/sextant/cells/log``)."""
    response = requests.post(
        f"{uri}/api/2.0/sextant/cells/log",
        json={"run_id": run_id, "cells": cells},
        timeout=TIMEOUT_S,
    )
    if response.status_code >= 400:
        raise SextantUnavailable(response.json().get("message", response.text))


def list_cells(uri: str, run_id: str) -> list[dict]:
    response = requests.get(
        f"{uri}/api/2.0/sextant/cells/list", params={"run_id": run_id}, timeout=TIMEOUT_S
    )
    response.raise_for_status()
    return response.json().get("cells", [])
