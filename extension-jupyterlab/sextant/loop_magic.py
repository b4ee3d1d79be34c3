"""``%sextant monitor|experiment|timeline|feedback …``: the command line's monitoring, online
experiment, loop timeline and feedback commands, run from a notebook cell on the workspace's store.

Each runs as ``sextant <command> …`` would in a terminal at the workspace's root (the folder of the
nearest ``.sextant`` store above the notebook), its output streamed into the cell; paths the user
gives are the notebook's. Once a command that concerns one view has succeeded, the cell shows a
button that opens it in JupyterLab (:data:`VIEW_MIME`): the monitoring dashboard after ``monitor
run|windows``, the experiment report after ``experiment report|decide``, the loop timeline after
``timeline``.
"""

from __future__ import annotations

from pathlib import Path

from IPython.display import display

from .pipeline_magic import cli_argv, notebook_paths, stream_command, workspace_of

# The command line's groups these magics run.
GROUPS = ("monitor", "experiment", "timeline", "feedback")
# What a cell displays to open a view of JupyterLab's Sextant extension (elsewhere, its text shows).
VIEW_MIME = "application/vnd.sextant.view+json"
# Options whose value is a path (given relative to the notebook's folder).
PATH_OPTIONS = ("--file", "-f", "--store", "--data")
# The options of these commands that take a value (to find the positional words among the others).
VALUE_OPTIONS = {
    "--file", "-f", "--store", "--data", "--deployment", "--model", "--since", "--until", "--limit",
    "--rule", "--window", "--prediction", "--exclude", "--effect", "--baseline", "--sd", "--alpha", "--power",
    "--ratio",
}  # fmt: skip
# The subcommands that read no store (so no ``--store`` is added).
STORELESS = {("monitor", "rules"), ("experiment", "power")}


def positionals(args: list[str]) -> list[str]:
    """The words of ``args`` that are neither options nor an option's value."""
    found: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in VALUE_OPTIONS
        else:
            found.append(word)
    return found


def command_for(group: str, args: list[str], cwd: Path) -> tuple[list[str], Path]:
    """The argv that runs ``sextant <group> <args>`` for a kernel in ``cwd``, and the folder to run
    it in (the workspace's root, whose store it uses unless ``--store`` is given)."""
    root = workspace_of(cwd)
    # Every group but timeline needs a subcommand: alone, it shows its help.
    if not args and group != "timeline":
        args = ["--help"]
    absolute = notebook_paths(args, cwd, PATH_OPTIONS)
    words = positionals(absolute)
    if group == "feedback" and words[:1] == ["import"] and len(words) > 1 and not Path(words[1]).is_absolute():
        # The file to import is the notebook's.
        absolute[absolute.index(words[1], absolute.index("import") + 1)] = str(cwd / words[1])
    asks_help = any(a in ("-h", "--help") for a in args) or words[:1] == ["help"]
    sub = words[0] if words and group != "timeline" else ""
    extra: list[str] = []
    given = any(a == "--store" or a.startswith("--store=") for a in args)
    if not asks_help and not given and (group, sub) not in STORELESS and (group != "feedback" or sub):
        extra += ["--store", str(root / ".sextant")]
    return [*cli_argv(), group, *absolute, *extra], root


def view_of(group: str, args: list[str]) -> dict[str, str] | None:
    """The view a successful ``sextant <group> <args>`` concerns, as :data:`VIEW_MIME`'s data."""
    if any(a in ("-h", "--help") for a in args):
        return None
    words = positionals(args)
    if group == "monitor" and words[:1] in (["run"], ["windows"]) and len(words) > 1:
        return {"view": "monitoring", "monitor": words[1]}
    if group == "experiment" and words[:1] in (["report"], ["decide"]) and len(words) > 1:
        return {"view": "experiment", "deployment": words[1]}
    if group == "timeline":
        view = {"view": "timeline"}
        for option in ("--deployment", "--model"):
            if option in args[:-1]:
                view[option[2:]] = args[args.index(option) + 1]
        return view
    return None


VIEW_LABELS = {
    "monitoring": "the monitoring dashboard of monitor {monitor}",
    "experiment": "the experiment report of {deployment}",
    "timeline": "the loop timeline",
}


def run_loop_command(group: str, args: list[str], cwd: Path) -> int:
    """Runs ``sextant <group> <args>``, streaming its output (an interrupt stops it); after a
    success that concerns a view, displays :data:`VIEW_MIME` for it. Answers the exit code."""
    argv, root = command_for(group, args, cwd)
    code = stream_command(argv, root)
    view = view_of(group, args) if code == 0 else None
    if view is not None:
        text = f"Sextant: open {VIEW_LABELS[view['view']].format(**view)} in JupyterLab's Sextant panel"
        display({VIEW_MIME: view, "text/plain": text}, raw=True)
    return code
