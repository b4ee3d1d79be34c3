"""Where the Sextant tracking server is, and short-timeout REST calls to it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import requests

TIMEOUT_S = 5


class SextantUnavailable(Exception):
    """The tracking server cannot be found or does not answer."""


def discover_tracking_uri(start: Path | None = None) -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the ``server.json`` of the nearest ``.sextant`` folder."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri.rstrip("/")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        info = folder / ".sextant" / "server.json"
        if info.is_file():
            try:
                return str(json.loads(info.read_text())["url"]).rstrip("/")
            except (ValueError, KeyError, OSError) as error:
                raise SextantUnavailable(f"unreadable {info}: {error}") from error
    raise SextantUnavailable(
        "no tracking server: set MLFLOW_TRACKING_URI, or start one with `sextant server` "
        "(or open the folder in VS Code/JupyterLab with Sextant)"
    )


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
