"""Sextant's A/B and drift statistics equal SciPy's and statsmodels' on the same data, to 1e-9.

Every case is generated here from fixed seeds, computed by the reference library and by Sextant
(through test/dist/support/statsCli.js), and compared number by number.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from stats_cli import sextant

TOL = 1e-9


def close(ours, theirs, tol=TOL):
    assert ours == pytest.approx(float(theirs), rel=tol, abs=tol), (ours, theirs)


PROPORTION_CASES = [
    # (control successes, control n, treatment successes, treatment n, alpha)
    (100, 1000, 130, 1000, 0.05),
    (512, 10_000, 580, 10_000, 0.05),
    (40, 250, 31, 300, 0.1),
    (3, 80, 12, 95, 0.01),
    (5000, 50_000, 5001, 50_000, 0.05),
]


def test_two_proportion_z_test_equals_statsmodels():
    ours = sextant(
        [{"op": "ztest", "control": [c, cn], "treatment": [t, tn], "alpha": a} for c, cn, t, tn, a in PROPORTION_CASES]
    )
    for (c, cn, t, tn, alpha), result in zip(PROPORTION_CASES, ours):
        z, p = proportions_ztest([t, c], [tn, cn])
        lo, hi = confint_proportions_2indep(t, tn, c, cn, method="wald", compare="diff", alpha=alpha)
        close(result["statistic"], z)
        close(result["pValue"], p)
        close(result["ci"][0], lo)
        close(result["ci"][1], hi)
        close(result["effect"], t / tn - c / cn)


def _mean_cases():
    rng = np.random.default_rng(17)
    return [
        (rng.normal(10, 2, 200), rng.normal(10.4, 3, 150), 0.05),
        (rng.exponential(1.0, 40), rng.exponential(1.3, 60), 0.05),
        (rng.normal(0, 1, 5000), rng.normal(0.02, 1.1, 4000), 0.1),
        (rng.lognormal(0, 1, 12), rng.lognormal(0.5, 1, 9), 0.01),
    ]


def test_welch_t_test_equals_scipy_and_statsmodels():
    cases = _mean_cases()
    ours = sextant([{"op": "welch", "control": c, "treatment": t, "alpha": a} for c, t, a in cases])
    for (control, treatment, alpha), result in zip(cases, ours):
        ref = stats.ttest_ind(treatment, control, equal_var=False)
        close(result["statistic"], ref.statistic)
        close(result["pValue"], ref.pvalue)
        close(result["df"], ref.df)
        lo, hi = CompareMeans(DescrStatsW(treatment), DescrStatsW(control)).tconfint_diff(
            alpha=alpha, usevar="unequal"
        )
        close(result["ci"][0], lo)
        close(result["ci"][1], hi)
        ci = ref.confidence_interval(confidence_level=1 - alpha)
        close(result["ci"][0], ci.low)
        close(result["ci"][1], ci.high)


POWER_CASES = [(0.2, 100, 0.05, 1.0), (0.05, 3000, 0.05, 1.0), (0.3, 50, 0.01, 2.0), (-0.1, 800, 0.1, 0.5)]


def test_power_and_sample_size_equal_statsmodels():
    calls = [{"op": "power", "effect": e, "n1": n, "alpha": a, "ratio": r} for e, n, a, r in POWER_CASES]
    calls += [{"op": "solve", "effect": e, "alpha": a, "power": 0.8, "ratio": r} for e, _, a, r in POWER_CASES]
    calls += [{"op": "cohensH", "p1": 0.12, "p2": 0.10}, {"op": "cohensH", "p1": 0.5, "p2": 0.55}]
    ours = sextant(calls)
    k = len(POWER_CASES)
    analysis = NormalIndPower()
    for (e, n, a, r), power in zip(POWER_CASES, ours[:k]):
        close(power, analysis.power(effect_size=abs(e), nobs1=n, alpha=a, ratio=r))
    for (e, _, a, r), plan in zip(POWER_CASES, ours[k : 2 * k]):
        theirs = analysis.solve_power(effect_size=abs(e), nobs1=None, alpha=a, power=0.8, ratio=r)
        # statsmodels solves with brentq to its default tolerance; both meet power 0.8 at the same n.
        close(plan["controlN"], theirs, tol=1e-6)
    close(ours[2 * k], proportion_effectsize(0.12, 0.10))
    close(ours[2 * k + 1], proportion_effectsize(0.5, 0.55))


def _ks_cases():
    rng = np.random.default_rng(5)
    return [
        (rng.normal(0, 1, 300), rng.normal(0.1, 1, 300)),  # equal sizes
        (rng.normal(0, 1, 400), rng.normal(0.3, 1.2, 250)),  # unequal sizes
        (rng.integers(0, 8, 500).astype(float), rng.integers(0, 9, 700).astype(float)),  # ties
        (rng.normal(0, 1, 1000), rng.normal(0, 1, 9000)),
        (rng.uniform(0, 1, 10_000), rng.uniform(0.01, 1, 6000)),
        (rng.normal(0, 1, 37), rng.normal(1.5, 1, 23)),
        (rng.normal(0, 1, 200), rng.normal(0, 1, 200)),
    ]


def test_kolmogorov_smirnov_equals_scipy():
    cases = _ks_cases()
    ours = sextant([{"op": "ks", "a": a, "b": b} for a, b in cases])
    for (a, b), result in zip(cases, ours):
        ref = stats.ks_2samp(a, b)
        assert result["method"] == "exact"
        close(result["statistic"], ref.statistic)
        close(result["pValue"], ref.pvalue)


def test_wasserstein_and_jensen_shannon_equal_scipy():
    rng = np.random.default_rng(9)
    pairs = [
        (rng.normal(0, 1, 500), rng.normal(0.5, 2, 800)),
        (rng.exponential(2, 3000), rng.exponential(2.2, 1000)),
        (rng.integers(0, 5, 100).astype(float), rng.integers(0, 5, 90).astype(float)),
    ]
    shares = [
        (rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))),
        (np.array([0.5, 0.5, 0.0]), np.array([0.1, 0.2, 0.7])),
        (np.array([3.0, 1.0, 0.0, 6.0]), np.array([2.0, 2.0, 2.0, 4.0])),  # unnormalized
    ]
    calls = [{"op": "wasserstein", "a": a, "b": b} for a, b in pairs]
    calls += [{"op": "jensenshannon", "p": p, "q": q} for p, q in shares]
    ours = sextant(calls)
    for (a, b), w in zip(pairs, ours[: len(pairs)]):
        close(w, stats.wasserstein_distance(a, b))
    for (p, q), js in zip(shares, ours[len(pairs) :]):
        close(js, distance.jensenshannon(p, q))


def test_chi_squared_equals_scipy():
    rng = np.random.default_rng(3)
    ref = rng.choice(["a", "b", "c", "d"], 800, p=[0.4, 0.3, 0.2, 0.1])
    cur = rng.choice(["a", "b", "c", "d"], 600, p=[0.35, 0.3, 0.25, 0.1])
    (result,) = sextant(
        [{"op": "drift", "spec": {"name": "x", "kind": "categorical", "method": "chisquare"}, "reference": ref, "current": cur}]
    )
    keys = sorted(set(ref) | set(cur))
    f_obs = [int((cur == k).sum()) for k in keys]
    f_exp = [int((ref == k).sum()) * len(cur) / len(ref) for k in keys]
    ref_stat = stats.chisquare(f_obs, f_exp)
    close(result["statistic"], ref_stat.statistic)
    close(result["score"], ref_stat.pvalue)


def test_psi_by_its_formula():
    rng = np.random.default_rng(21)
    ref = rng.normal(0, 1, 2000)
    cur = rng.normal(0.3, 1, 1500)
    (result,) = sextant(
        [{"op": "drift", "spec": {"name": "x", "kind": "numerical", "method": "psi"}, "reference": ref, "current": cur}]
    )
    # PSI = sum (r - c) ln(r / c) over NumPy's 'sturges' bins of both samples; no bin is empty here.
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    r = np.histogram(ref, edges)[0] / len(ref)
    c = np.histogram(cur, edges)[0] / len(cur)
    r = np.where(r == 0, 0.0001, r)
    c = np.where(c == 0, 0.0001, c)
    close(result["score"], np.sum((r - c) * np.log(r / c)))
    assert result["drifted"] == (result["score"] >= 0.1)
