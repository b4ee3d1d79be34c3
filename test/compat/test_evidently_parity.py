"""Sextant's drift report gives Evidently's per-column drift scores and decisions (to 1e-6).

The same reference and current data go through Evidently's `DataDriftPreset` (default test per
column, default thresholds, drift share 0.5) and Sextant's `driftReport`. The columns are chosen
to walk every branch of the default choice: small and large references, numerical columns with
many and few values, binary and multi-valued categories, missing values, infinities and a
category the reference never had. Each method is also checked on its own against Evidently's
test function (PSI with empty bins and its zero replacement, methods forced off the default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

from stats_cli import sextant

TOL = 1e-6
METHOD_NAMES = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Jensen-Shannon distance": "jensenshannon",
    "Wasserstein distance (normed)": "wasserstein",
    "PSI": "psi",
}


def _frames(n_ref: int, n_cur: int, seed: int, shifted: bool, infinities: bool):
    rng = np.random.default_rng(seed)
    s = 1.0 if shifted else 0.0

    def build(n, shift):
        num = rng.normal(shift * 0.3, 1 + shift * 0.2, n)
        num[rng.random(n) < 0.05] = np.nan
        spiky = rng.exponential(1 + shift, n)
        if infinities:
            spiky[rng.random(n) < 0.01] = np.inf
        few = rng.integers(0, 4 + int(shift), n).astype(float)
        binary_num = rng.choice([0.0, 1.0], n, p=[0.7 - 0.2 * shift, 0.3 + 0.2 * shift])
        cats = ["red", "green", "blue"] + (["violet"] if shift else [])
        colour = rng.choice(cats, n).astype(object)
        colour[rng.random(n) < 0.03] = None
        flag = rng.choice(["yes", "no"], n, p=[0.5 + 0.1 * shift, 0.5 - 0.1 * shift])
        return pd.DataFrame(
            {
                "num": num,
                "spiky": spiky,
                "few": few,
                "binary_num": binary_num,
                "colour": colour,
                "flag": flag,
            }
        )

    return build(n_ref, 0.0), build(n_cur, s)


NUMERICAL = ["num", "spiky", "few", "binary_num"]
CATEGORICAL = ["colour", "flag"]


def _evidently(reference: pd.DataFrame, current: pd.DataFrame):
    definition = DataDefinition(numerical_columns=NUMERICAL, categorical_columns=CATEGORICAL)
    report = Report([DataDriftPreset()], include_tests=True)
    snapshot = report.run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    result = snapshot.dict()
    columns, share = {}, None
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": METHOD_NAMES[config["method"]],
                "threshold": config["threshold"],
                "score": metric["value"],
            }
        elif config["type"].endswith("DriftedColumnsCount"):
            share = metric["value"]["share"]
    drifted = {}
    for test in result["tests"]:
        for column in columns:
            if test["name"] == f"Value Drift for column {column}":
                drifted[column] = test["status"] == "FAIL"
    dataset_drift = share >= 0.5
    return columns, drifted, share, dataset_drift


CASES = [
    # reference rows, current rows, seed, shifted, infinities: small references (KS / chi-squared
    # / z-test), large ones (Wasserstein / Jensen-Shannon), with and without drift.
    (800, 600, 1, False, False),
    (800, 600, 2, True, False),
    (5000, 3000, 3, False, False),
    (5000, 3000, 4, True, False),
    (1000, 5000, 5, True, False),
    (1001, 400, 6, True, False),
    (800, 600, 7, True, True),
    (5000, 3000, 8, True, True),
]


@pytest.mark.parametrize("n_ref,n_cur,seed,shifted,infinities", CASES)
def test_drift_report_matches_evidently(n_ref, n_cur, seed, shifted, infinities):
    reference, current = _frames(n_ref, n_cur, seed, shifted, infinities)
    columns, drifted, share, dataset_drift = _evidently(reference, current)
    assert set(drifted) == set(columns) == set(NUMERICAL + CATEGORICAL)

    specs = [{"name": c, "kind": "numerical"} for c in NUMERICAL] + [
        {"name": c, "kind": "categorical"} for c in CATEGORICAL
    ]
    ref_cols = {c: reference[c].tolist() for c in reference.columns}
    cur_cols = {c: current[c].tolist() for c in current.columns}
    (report,) = sextant(
        [{"op": "report", "reference": ref_cols, "current": cur_cols, "columns": specs, "driftShare": 0.5}]
    )
    ours = {c["column"]: c for c in report["columns"]}
    for name, theirs in columns.items():
        mine = ours[name]
        assert mine["method"] == theirs["method"], (name, mine, theirs)
        assert mine["threshold"] == pytest.approx(theirs["threshold"])
        assert mine["score"] == pytest.approx(theirs["score"], rel=TOL, abs=TOL), (name, mine, theirs)
        assert mine["drifted"] == drifted[name], (name, mine, theirs)
    # The dataset's share of drifted columns is the share of Evidently's own per-column verdicts.
    evidently_share = sum(drifted.values()) / len(drifted)
    assert report["driftShare"] == pytest.approx(evidently_share, abs=1e-12)
    assert report["datasetDrift"] == (evidently_share >= 0.5)
    if not infinities:
        # Evidently's DriftedColumnsCount agrees with its per-column verdicts only without
        # infinities: it keeps them in a column's samples (a Wasserstein distance of NaN, "no
        # drift") where ValueDrift drops them, as Sextant does.
        assert report["driftShare"] == pytest.approx(share, abs=1e-12)
        assert report["datasetDrift"] == dataset_drift


def _method_cases():
    """Columns for every method outside the default choice too: PSI with empty bins, methods forced."""
    rng = np.random.default_rng(42)
    wide = (rng.normal(0, 1, 700), rng.normal(0.4, 1.3, 900))  # > 20 values: histogram bins
    narrow = (rng.integers(0, 6, 700).astype(float), rng.integers(1, 8, 500).astype(float))  # few values, new ones
    tails = (rng.standard_t(2, 2000), rng.standard_t(2, 1500))  # bins left empty by one side
    cats = (
        rng.choice(["a", "b", "c", "d"], 400, p=[0.5, 0.3, 0.2, 0.0]),
        rng.choice(["a", "b", "c", "d", "e"], 300),
    )
    return [
        ("numerical", "psi", wide),
        ("numerical", "psi", narrow),
        ("numerical", "psi", tails),
        ("categorical", "psi", cats),
        ("numerical", "jensenshannon", wide),
        ("numerical", "jensenshannon", tails),
        ("categorical", "jensenshannon", cats),
        ("numerical", "wasserstein", narrow),
        ("numerical", "ks", tails),
        ("numerical", "chisquare", narrow),
        ("categorical", "chisquare", cats),
    ]


def test_every_method_matches_evidentlys_own_test_function():
    from evidently.legacy.calculations.stattests.registry import get_stattest
    from evidently.legacy.core import ColumnType

    cases = _method_cases()
    ours = sextant(
        [
            {"op": "drift", "spec": {"name": "x", "kind": kind, "method": method}, "reference": ref, "current": cur}
            for kind, method, (ref, cur) in cases
        ]
    )
    for (kind, method, (ref, cur)), mine in zip(cases, ours):
        column_type = ColumnType.Numerical if kind == "numerical" else ColumnType.Categorical
        if method == "chisquare":
            column_type = ColumnType.Categorical  # Evidently's chi-squared takes categorical columns only
        r, c = pd.Series(ref), pd.Series(cur)
        theirs = get_stattest(r, c, column_type, method)(r, c, column_type, None)
        assert mine["score"] == pytest.approx(float(theirs.drift_score), rel=TOL, abs=TOL), (kind, method)
        assert mine["drifted"] == bool(theirs.drifted), (kind, method)
        assert mine["threshold"] == pytest.approx(theirs.actual_threshold), (kind, method)
