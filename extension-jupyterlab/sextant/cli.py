"""The ``sextant`` console script: Sextant's command line (``sextant server``, ``sextant run``,
``sextant pipeline run`` …), run by the Node.js :mod:`sextant.launcher` finds, so a terminal or
notebook user needs no npm."""

from __future__ import annotations

import os
import subprocess
import sys

from .launcher import RuntimeMissing, find_node, find_scripts


def main(argv: list[str] | None = None) -> int:
    """Runs the bundled command line with ``argv`` (default: this process's arguments); answers
    its exit code. On POSIX the process becomes Node (signals and exit codes pass unchanged)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        scripts = find_scripts()
        node = find_node(scripts)
    except RuntimeMissing as error:
        print(f"sextant: {error}", file=sys.stderr)
        return 127
    command = [node.path, str(scripts.cli), *args]
    if argv is None and os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(node.path, command)
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
