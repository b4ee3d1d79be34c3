"""Registers Sextant's language server with jupyter-lsp (entry point ``jupyter_lsp_spec_v1``).

jupyter-lsp then proxies it to the browser at ``/lsp/ws/sextant``; the Sextant frontend talks to
it there. The spec claims only the ``sextant`` language, which no notebook or file has, so
JupyterLab's own LSP client never attaches it to Python, YAML or any other document.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

KEY = "sextant"
SERVER_SCRIPT = Path("language-server") / "bin" / "sextant-language-server.js"
# Written by `npm run build:lab` (scripts/build-lab.mjs): where the repository's server is, so that
# a non-editable install made from the repository still finds it.
LOCATION_FILE = Path(__file__).resolve().parent / "server_location.json"


def find_node() -> str | None:
    """``SEXTANT_NODE`` if set, else ``node`` (or ``nodejs``) from PATH."""
    configured = os.environ.get("SEXTANT_NODE")
    if configured:
        return configured
    return shutil.which("node") or shutil.which("nodejs")


def find_server() -> Path | None:
    """The language server script: ``SEXTANT_LANGUAGE_SERVER`` if set, else the repository's
    ``language-server/bin`` above this package (an editable install), else the one recorded at
    build time."""
    configured = os.environ.get("SEXTANT_LANGUAGE_SERVER")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve().parent
    for folder in here.parents:
        script = folder / SERVER_SCRIPT
        if script.is_file():
            return script
    try:
        recorded = Path(json.loads(LOCATION_FILE.read_text(encoding="utf-8"))["server"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return recorded if recorded.is_file() else None


def spec(manager=None) -> dict:
    """The jupyter-lsp spec of the Sextant language server, keyed ``sextant``; empty (with a
    warning in the server log) when Node.js or the server script cannot be found."""
    node, server = find_node(), find_server()
    problems = []
    if node is None:
        problems.append("Node.js (20 or newer) not found: put `node` on PATH or set SEXTANT_NODE.")
    if server is None:
        problems.append(
            "the Sextant language server was not found: build the Sextant repository "
            "(`npm run build`, `npm run build:lab -w extension-jupyterlab`) and install "
            "sextant-jupyterlab from it, or set SEXTANT_LANGUAGE_SERVER to "
            "language-server/bin/sextant-language-server.js."
        )
    if problems:
        log = getattr(manager, "log", None)
        if log is not None:
            log.warning("[sextant] the Sextant panel cannot start: %s", " ".join(problems))
        return {}
    return {
        KEY: {
            "version": 2,
            "argv": [node, str(server), "--stdio"],
            "languages": ["sextant"],
            "mime_types": ["application/vnd.sextant"],
            "display_name": "Sextant",
            "requires_documents_on_disk": False,
            "troubleshoot": "The Sextant language server logs to the Jupyter server's stderr.",
        }
    }
