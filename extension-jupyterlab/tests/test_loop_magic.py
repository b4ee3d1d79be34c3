"""How ``%sextant monitor|experiment|timeline|feedback`` build their command line and their view."""

from pathlib import Path

import pytest

from sextant import loop_magic


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    (tmp_path / ".sextant").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(loop_magic, "cli_argv", lambda: ["node", "sextant.js"])
    return tmp_path


def test_commands_run_at_the_workspace_root_on_its_store_with_the_notebooks_paths(workspace):
    cwd = workspace / "notebooks"
    store = str(workspace / ".sextant")
    argv, root = loop_magic.command_for("monitor", ["reference", "models:/m/1", "--data", "train.csv"], cwd)
    assert root == workspace
    assert argv == ["node", "sextant.js", "monitor", "reference", "models:/m/1", "--data", str(cwd / "train.csv"), "--store", store]
    argv, _ = loop_magic.command_for("feedback", ["import", "--deployment", "api", "labels.csv"], cwd)
    assert argv[3:] == ["import", "--deployment", "api", str(cwd / "labels.csv"), "--store", store]
    argv, _ = loop_magic.command_for("timeline", ["--deployment", "api"], cwd)
    assert argv[2:] == ["timeline", "--deployment", "api", "--store", store]


def test_a_given_store_help_and_storeless_commands_get_no_store(workspace):
    cwd = workspace / "notebooks"
    assert loop_magic.command_for("monitor", ["run", "m", "--store", "/s"], cwd)[0][2:] == ["monitor", "run", "m", "--store", "/s"]
    assert loop_magic.command_for("monitor", ["rules"], cwd)[0][2:] == ["monitor", "rules"]
    assert loop_magic.command_for("experiment", ["power", "--effect", "0.1", "--sd", "1"], cwd)[0][-1] == "1"
    assert loop_magic.command_for("experiment", [], cwd)[0][2:] == ["experiment", "--help"]
    assert loop_magic.command_for("timeline", [], cwd)[0][2:] == ["timeline", "--store", str(workspace / ".sextant")]
    assert loop_magic.command_for("monitor", ["run", "--help"], cwd)[0][2:] == ["monitor", "run", "--help"]
    assert loop_magic.command_for("feedback", ["help", "import"], cwd)[0][2:] == ["feedback", "help", "import"]


@pytest.mark.parametrize(
    ("group", "args", "view"),
    [
        ("monitor", ["run", "--window", "1h", "inputs"], {"view": "monitoring", "monitor": "inputs"}),
        ("monitor", ["--json", "windows", "inputs"], {"view": "monitoring", "monitor": "inputs"}),
        ("monitor", ["alerts"], None),
        ("monitor", ["run", "inputs", "--help"], None),
        ("experiment", ["report", "api"], {"view": "experiment", "deployment": "api"}),
        ("experiment", ["decide", "--json", "api"], {"view": "experiment", "deployment": "api"}),
        ("experiment", ["power", "--effect", "1"], None),
        ("timeline", [], {"view": "timeline"}),
        ("timeline", ["--model", "churn", "--deployment", "api"], {"view": "timeline", "model": "churn", "deployment": "api"}),
        ("feedback", ["import", "x.csv"], None),
    ],
)
def test_the_view_a_command_offers(group, args, view):
    assert loop_magic.view_of(group, args) == view


def test_positionals_skip_option_values():
    assert loop_magic.positionals(["--store", "s", "run", "-f", "x.yaml", "inputs", "--json"]) == ["run", "inputs"]
