"""The jupyter-lsp registration of Sextant's language server (entry point ``jupyter_lsp_spec_v1``)."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from jupyter_lsp.schema import LANGUAGE_SERVER_SPEC_MAP

from sextant import lsp_spec

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
    monkeypatch.setenv("SEXTANT_NODE", "/opt/node/bin/node")
    monkeypatch.setenv("SEXTANT_LANGUAGE_SERVER", str(script))
    assert lsp_spec.spec()["sextant"]["argv"] == ["/opt/node/bin/node", str(script), "--stdio"]


def test_no_spec_and_a_warning_when_node_is_missing(monkeypatch):
    monkeypatch.delenv("SEXTANT_NODE", raising=False)
    monkeypatch.setattr(lsp_spec.shutil, "which", lambda _name: None)
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
