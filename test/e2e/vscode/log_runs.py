"""Logs the runs the VS Code UI test looks at, through the plain `mlflow` client.

`python log_runs.py seed` logs two finished runs of experiment `e2e` (lr differs, seed does not;
run-a has a PNG, a text, a CSV and a JSON artifact, run-b a nested child run `fold-1`) and prints
their ids as JSON; `python log_runs.py point RUN_ID STEP VALUE` logs one `loss` point.
"""

import json
import math
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import mlflow
from mlflow.tracking import MlflowClient


def gradient_png(width: int = 160, height: int = 100) -> bytes:
    """A small RGB PNG: a colour gradient with a dark curve across it."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            on_curve = abs(y - (height - 10) * math.exp(-x / 40.0) - 5) < 2
            row += bytes((20, 20, 20) if on_curve else (40 + x, 90 + y, 200 - x // 2))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def log_artifacts() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "loss_curve.png"
        png.write_bytes(gradient_png())
        mlflow.log_artifact(str(png))
    mlflow.log_text("Training notes\nlr was tuned by hand.\n", "notes.txt")
    predictions = 'id,label,score\n1,cat,0.91\n2,dog,0.40\n3,"bird, small",0.77\n'
    mlflow.log_text(predictions, "predictions.csv")
    mlflow.log_dict({"layers": [64, 32], "dropout": 0.1}, "config/model.json")


def seed() -> None:
    mlflow.set_experiment("e2e")
    ids = {}
    for name, lr in (("run-a", 0.1), ("run-b", 0.01)):
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_params({"lr": lr, "seed": 7})
            mlflow.set_tag("team", "vision")
            for step in range(50):
                mlflow.log_metric("loss", math.exp(-lr * 10 * step / 10) + 0.01 * (step % 3), step=step)
                mlflow.log_metric("accuracy", 1 - math.exp(-lr * 5 * step / 10), step=step)
            if name == "run-a":
                log_artifacts()
            if name == "run-b":
                with mlflow.start_run(run_name="fold-1", nested=True):
                    mlflow.log_params({"lr": lr, "fold": 1})
                    mlflow.log_metric("loss", 0.3)
            ids[name] = run.info.run_id
    print(json.dumps(ids))


def point(run_id: str, step: int, value: float) -> None:
    MlflowClient().log_metric(run_id, "loss", value, step=step)


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed()
    else:
        point(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
