"""Reads this example's params.yaml (the file Sextant hashes into each step's cache key)."""

from pathlib import Path

import yaml

PARAMS_FILE = Path(__file__).resolve().parent.parent / "params.yaml"


def load(section: str) -> dict:
    """The mapping under `section` in params.yaml."""
    with PARAMS_FILE.open() as handle:
        return yaml.safe_load(handle)[section]
