"""Calls Sextant's statistics through the built JSON door (test/dist/support/statsCli.js)."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "test" / "dist" / "support" / "statsCli.js"


def _plain(value):
    """JSON-safe values: NaN becomes null (a missing value), infinities strings, NumPy scalars plain numbers."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _number(value):
    if isinstance(value, str) and value in ("Infinity", "-Infinity", "NaN"):
        return float(value.replace("Infinity", "inf"))
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    return value


def sextant(calls: list[dict]) -> list:
    """Runs the calls in one node process and returns their results in order."""
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: build first with `npx tsc -b`")
    done = subprocess.run(
        ["node", str(CLI)],
        input=json.dumps(_plain(calls)),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    results = _number(json.loads(done.stdout))
    for call, result in zip(calls, results):
        if isinstance(result, dict) and "error" in result and call.get("expect_error") is None:
            pytest.fail(f"{call['op']} failed in Sextant: {result['error']}")
    return results
