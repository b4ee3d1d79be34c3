"""``%sextant pipeline …``: Sextant's pipeline command line, run from a notebook cell.

The cell shows the command's output as it comes (each step's status and what it prints), and
interrupting the kernel (the stop button, or I I) cancels the run as Ctrl-C in a terminal does:
the steps' processes are stopped and the run is recorded cancelled. The run goes into the store
of the nearest ``.sextant`` folder above the notebook, which JupyterLab's Sextant panel shows, so
the pipeline graph follows it live there.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from IPython.display import display

from .launcher import RuntimeMissing, find_node, find_scripts

PIPELINE_FILE = "sextant.yaml"
# Options whose value is a path (given relative to the notebook's folder).
PATH_OPTIONS = ("--file", "--store")
# What ``%sextant pipeline run`` displays when its run has ended (JupyterLab renders a button that
# opens the pipeline's graph; elsewhere its text shows).
PIPELINE_RUN_MIME = "application/vnd.sextant.pipeline-run+json"
# The command line's first and last lines of a run.
RUN_LINE = re.compile(r"^sextant: pipeline (\S+) run ([0-9a-f-]{36}) ")
END_LINE = re.compile(r"^sextant: pipeline (\S+) (done|failed|cancelled) in ")


class PipelineMagicError(Exception):
    """Sextant's command line cannot be run from this kernel; the message says what to do."""


def cli_argv() -> list[str]:
    """The node and script that run Sextant's command line: ``SEXTANT_CLI`` if set, else the
    script :func:`launcher.find_scripts` gives, run by the Node :func:`launcher.find_node` picks."""
    try:
        scripts = find_scripts()
        configured = os.environ.get("SEXTANT_CLI")
        cli = Path(configured) if configured else scripts.cli
        node = find_node(scripts)
    except RuntimeMissing as error:
        raise PipelineMagicError(str(error)) from error
    return [node.path, str(cli)]


def workspace_of(start: Path) -> Path:
    """The folder whose ``.sextant`` store the run goes to: the nearest above ``start`` that has
    one, else ``start`` (a store is made there)."""
    for folder in (start, *start.parents):
        if (folder / ".sextant").is_dir():
            return folder
    return start


def pipeline_file_of(start: Path, root: Path) -> Path | None:
    """The nearest ``sextant.yaml`` from ``start`` up to ``root``."""
    for folder in (start, *start.parents):
        if (folder / PIPELINE_FILE).is_file():
            return folder / PIPELINE_FILE
        if folder == root:
            break
    return None


def notebook_paths(args: list[str], cwd: Path, options=PATH_OPTIONS) -> list[str]:
    """``args`` with the relative value of each of ``options`` made absolute from ``cwd`` (a command
    run in the workspace's folder reads the paths a notebook's user gave)."""
    return [
        str(cwd / value) if i > 0 and args[i - 1] in options and not Path(value).is_absolute() else value
        for i, value in enumerate(args)
    ]


def command_for(args: list[str], cwd: Path) -> tuple[list[str], Path]:
    """The argv that runs ``sextant pipeline <args>`` for a kernel in ``cwd``, and the folder to
    run it in: the workspace's store (unless ``--store`` is given) and, for ``run``, the nearest
    pipeline file (unless ``--file`` is given)."""
    launch = cli_argv()
    root = workspace_of(cwd)
    # The command runs in the workspace's folder: paths the user gave are the notebook's.
    args = notebook_paths(args, cwd)
    extra: list[str] = []
    if args and args[0] not in ("-h", "--help", "help"):
        if not any(a == "--store" or a.startswith("--store=") for a in args):
            extra += ["--store", str(root / ".sextant")]
        if args[0] == "run" and not any(a == "--file" or a.startswith("--file=") for a in args):
            found = pipeline_file_of(cwd, root)
            if found is not None:
                extra += ["--file", str(found)]
        # Steps run with the kernel's Python: the packages the notebook imports are there.
        if args[0] == "run" and not any(a == "--python" or a.startswith("--python=") for a in args):
            extra += ["--python", sys.executable]
    return [*launch, "pipeline", *args, *extra], root


def stream_command(argv: list[str], cwd: Path, on_line=None, stopping: str = "stopping the command") -> int:
    """Runs one of Sextant's commands, printing its output as it comes (``on_line`` sees each
    line); a kernel interrupt stops it as Ctrl-C in a terminal does (SIGINT, and again on a second
    interrupt), saying it is ``stopping``. Answers the exit code."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "FORCE_COLOR": "0"},
        # Its own session: an interrupt JupyterLab sends to the kernel's process group reaches the
        # command only as this magic forwards it, once, so a run is cancelled cleanly.
        start_new_session=True,
    )
    assert process.stdout is not None
    interrupts = 0
    while True:
        try:
            line = process.stdout.readline()
            if not line:
                break
            text = line.decode("utf-8", "replace")
            sys.stdout.write(text)
            sys.stdout.flush()
            if on_line is not None:
                on_line(text)
        except KeyboardInterrupt:
            interrupts += 1
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            if interrupts == 1:
                print(f"sextant: interrupted: {stopping} (interrupt again to stop at once)")
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)


def run_pipeline_command(args: list[str], cwd: Path) -> int:
    """Runs ``sextant pipeline <args>`` (:func:`stream_command`: an interrupt cancels the run).
    After a ``run``, displays the run (:data:`PIPELINE_RUN_MIME`: JupyterLab shows a button to its
    graph). Answers the exit code."""
    argv, root = command_for(args, cwd)
    run: dict[str, str] = {}

    def seen(text: str) -> None:
        began, ended = RUN_LINE.match(text), END_LINE.match(text)
        if began:
            run.update(pipeline=began.group(1), id=began.group(2))
        if ended:
            run["status"] = ended.group(2)

    code = stream_command(argv, root, seen, "cancelling the pipeline run")
    file = argv[argv.index("--file") + 1] if "--file" in argv else None
    if "id" in run and "status" in run and file is not None:
        output = {
            "file": str((root / file).resolve()),
            "pipeline": run["pipeline"],
            "pipelineRunId": run["id"],
            "status": run["status"],
        }
        text = f"Sextant pipeline {output['pipeline']} run {output['pipelineRunId']}: {output['status']}"
        display({PIPELINE_RUN_MIME: output, "text/plain": text}, raw=True)
    return code
