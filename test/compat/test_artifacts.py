"""Artifacts through the `mlflow-artifacts` proxy: upload, list, download, byte for byte."""

from __future__ import annotations

import json
import os
from pathlib import Path

import mlflow
import pytest

BINARY = bytes(range(256)) * 64 + b"\x00\xff\r\n\x1a"


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by POSIX relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def source_dir(tmp_path) -> Path:
    root = tmp_path / "src"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "top.txt").write_text("top level\n")
    (root / "sub" / "data.bin").write_bytes(BINARY)
    (root / "sub" / "deeper" / "note with spaces.txt").write_text("spaced out ✓\n", encoding="utf-8")
    (root / "sub" / "deeper" / "empty.txt").write_bytes(b"")
    return root


def test_log_artifact_single_files(client, experiment_id, tmp_path):
    plain = tmp_path / "report.txt"
    plain.write_text("hello artifacts\n")
    spaced = tmp_path / "my file (v2).bin"
    spaced.write_bytes(BINARY)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(plain))
        mlflow.log_artifact(str(spaced), artifact_path="bins")
    run_id = run.info.run_id

    root = {f.path: f for f in client.list_artifacts(run_id)}
    assert set(root) == {"report.txt", "bins"}
    assert root["bins"].is_dir and not root["report.txt"].is_dir
    assert root["report.txt"].file_size == len("hello artifacts\n")
    inside = client.list_artifacts(run_id, "bins")
    assert [(f.path, f.is_dir, f.file_size) for f in inside] == [("bins/my file (v2).bin", False, len(BINARY))]

    out = tmp_path / "out"
    out.mkdir()
    got = client.download_artifacts(run_id, "bins/my file (v2).bin", str(out))
    assert Path(got).read_bytes() == BINARY
    got = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="report.txt", dst_path=str(out))
    assert Path(got).read_text() == "hello artifacts\n"


def test_log_artifacts_directory_round_trip(client, experiment_id, source_dir, tmp_path):
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source_dir), artifact_path="bundle")
        mlflow.log_artifacts(str(source_dir))
    run_id = run.info.run_id

    root = sorted((f.path, f.is_dir) for f in client.list_artifacts(run_id))
    assert root == [("bundle", True), ("sub", True), ("top.txt", False)]
    sub = sorted((f.path, f.is_dir) for f in client.list_artifacts(run_id, "bundle/sub"))
    assert sub == [("bundle/sub/data.bin", False), ("bundle/sub/deeper", True)]
    deeper = {f.path: f.file_size for f in client.list_artifacts(run_id, "bundle/sub/deeper")}
    spaced_size = len("spaced out ✓\n".encode("utf-8"))
    assert deeper == {"bundle/sub/deeper/empty.txt": 0, "bundle/sub/deeper/note with spaces.txt": spaced_size}
    assert client.list_artifacts(run_id, "no/such/dir") == []

    whole = Path(client.download_artifacts(run_id, "bundle", str(tmp_path / "whole")))
    assert _tree(whole) == _tree(source_dir)
    everything = Path(mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(tmp_path / "all")))
    assert _tree(everything / "bundle") == _tree(source_dir)
    assert (everything / "top.txt").read_text() == "top level\n"
    assert _tree(everything / "sub") == {k[4:]: v for k, v in _tree(source_dir).items() if k.startswith("sub/")}


def test_download_by_artifact_uri(client, experiment_id, tmp_path):
    with mlflow.start_run() as run:
        mlflow.log_text("via uri", "docs/readme.md")
    uri = f"runs:/{run.info.run_id}/docs/readme.md"
    assert mlflow.artifacts.load_text(uri) == "via uri"
    artifact_uri = client.get_run(run.info.run_id).info.artifact_uri
    assert artifact_uri.startswith("mlflow-artifacts:")
    got = mlflow.artifacts.download_artifacts(artifact_uri=f"{artifact_uri}/docs", dst_path=str(tmp_path))
    assert (Path(got) / "readme.md").read_text() == "via uri"


def test_log_text_and_log_dict(client, experiment_id, tmp_path):
    payload = {"layers": [64, 32], "dropout": 0.1, "name": "net ✓", "nested": {"ok": True}}
    with mlflow.start_run() as run:
        mlflow.log_text("line one\nline two\n", "notes/log.txt")
        mlflow.log_dict(payload, "config/params.json")
        mlflow.log_dict(payload, "config/params.yaml")
    run_id = run.info.run_id

    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/log.txt") == "line one\nline two\n"
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config/params.json") == payload
    yaml_path = client.download_artifacts(run_id, "config/params.yaml", str(tmp_path))
    assert "dropout: 0.1" in Path(yaml_path).read_text(encoding="utf-8")
    raw = client.download_artifacts(run_id, "config/params.json", str(tmp_path))
    assert json.loads(Path(raw).read_text(encoding="utf-8")) == payload
    assert sorted(f.path for f in client.list_artifacts(run_id, "config")) == [
        "config/params.json",
        "config/params.yaml",
    ]


def test_large_binary_artifact(client, experiment_id, tmp_path):
    big = tmp_path / "weights.bin"
    content = os.urandom(3 * 1024 * 1024 + 7)
    big.write_bytes(content)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big), artifact_path="model")
    [info] = client.list_artifacts(run.info.run_id, "model")
    assert info.file_size == len(content)
    got = client.download_artifacts(run.info.run_id, "model/weights.bin", str(tmp_path / "dl"))
    assert Path(got).read_bytes() == content


def test_forced_multipart_falls_back_to_proxied_transfers(client, experiment_id, tmp_path, monkeypatch):
    """With multipart forced on, the client asks for it, is told 'not supported' and falls back."""
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "10")
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD", "true")
    source = tmp_path / "multi.bin"
    source.write_bytes(BINARY)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(source))
    got = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="multi.bin", dst_path=str(tmp_path / "dl")
    )
    assert Path(got).read_bytes() == BINARY
