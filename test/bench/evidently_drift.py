"""The anchor of test/bench/monitoring.ts: Evidently's DataDriftPreset on the same data.

Reads the columns the benchmark wrote (raw little-endian float64 for numerical columns, uint8
category codes for categorical ones), builds the two DataFrames (not timed), then times
`Report([DataDriftPreset()]).run(current, reference)` and the snapshot's `dict()` (wall and CPU
seconds of this process), and prints one JSON object: the seconds, and each column's method and
score for the benchmark to compare.

    python evidently_drift.py DIR SPEC_JSON
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

METHOD_NAMES = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Jensen-Shannon distance": "jensenshannon",
    "Wasserstein distance (normed)": "wasserstein",
    "PSI": "psi",
}


def load(directory: Path, side: str, spec: dict) -> pd.DataFrame:
    data = {}
    for column in spec["columns"]:
        path = directory / f"{side}-{column['name']}.bin"
        if column["kind"] == "numerical":
            data[column["name"]] = np.fromfile(path, dtype="<f8")
        else:
            codes = np.fromfile(path, dtype=np.uint8)
            names = np.array(column["categories"], dtype=object)
            data[column["name"]] = names[codes]
    return pd.DataFrame(data)


def main() -> None:
    warnings.filterwarnings("ignore")
    directory = Path(sys.argv[1])
    spec = json.loads(Path(sys.argv[2]).read_text())
    started = time.perf_counter()
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    import_seconds = time.perf_counter() - started
    reference = load(directory, "reference", spec)
    current = load(directory, "current", spec)
    definition = DataDefinition(
        numerical_columns=[c["name"] for c in spec["columns"] if c["kind"] == "numerical"],
        categorical_columns=[c["name"] for c in spec["columns"] if c["kind"] == "categorical"],
    )
    ref_ds = Dataset.from_pandas(reference, data_definition=definition)
    cur_ds = Dataset.from_pandas(current, data_definition=definition)
    started, cpu_started = time.perf_counter(), time.process_time()
    snapshot = Report([DataDriftPreset()]).run(cur_ds, ref_ds)
    result = snapshot.dict()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    columns, share = {}, None
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {"method": METHOD_NAMES[config["method"]], "score": metric["value"]}
        elif config["type"].endswith("DriftedColumnsCount"):
            share = metric["value"]["share"]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpuSeconds": cpu_seconds,
                "importSeconds": import_seconds,
                "columns": columns,
                "share": share,
            }
        )
    )


if __name__ == "__main__":
    main()
