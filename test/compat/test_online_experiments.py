"""Online experiments on a real deployment of sklearn models logged and registered by the mlflow
client: feedback posted over HTTP and imported from files, the A/B report equal to SciPy's and
statsmodels' on the same joined data, a seeded bandit moving traffic to the better arm, and a
decision that promotes the winner and moves the registry alias."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import requests
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from conftest import REPO, SEXTANT_BIN

PYTHON = str(REPO / ".venv" / "bin" / "python")
READY = re.compile(r"^Ready: (\S+) at (http://\S+)", re.M)
TOL = 1e-9


def close(ours, theirs, tol=TOL):
    assert ours == pytest.approx(float(theirs), rel=tol, abs=tol), (ours, theirs)


@pytest.fixture(scope="module")
def model(sextant):
    """Two versions of an iris classifier (v1 is the champion by alias)."""
    import mlflow
    from mlflow import MlflowClient
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    name = f"iris-online-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"online-{name}")
    for C in (1.0, 0.05):
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                LogisticRegression(C=C, max_iter=500).fit(X, y),
                name="model",
                input_example=X.head(3),
                registered_model_name=name,
            )
    MlflowClient().set_registered_model_alias(name, "champion", "1")
    return name, X


def sextant_cli(sextant, cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    store = ["--store", str(sextant.store)] if sextant is not None else []
    done = subprocess.run(
        ["node", str(SEXTANT_BIN), *args, *store],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def deployed(sextant, model, tmp_path_factory):
    name, _ = model
    cwd = tmp_path_factory.mktemp("online")
    (cwd / "sextant.yaml").write_text(
        f"""
deployments:
  iris-ab:
    model: models:/{name}@champion
    routes:
      variants:
        - {{ name: champion, weight: 50 }}
        - {{ name: challenger, model: "models:/{name}/2", weight: 50 }}
    experiment:
      type: ab
      unit: x-user-id
      metric: {{ feedback: reward }}
      guardrails: {{ max_error_rate_increase: 0.05, max_p99_latency_increase: 50 }}
      mixing_sd: 0.1
      min_samples: 200
      plan: {{ minimum_effect: 0.1 }}
  iris-bandit:
    model: models:/{name}@champion
    routes:
      variants:
        - {{ name: champion, weight: 50 }}
        - {{ name: challenger, model: "models:/{name}/2", weight: 50 }}
    experiment:
      type: bandit
      metric: {{ feedback: reward }}
      bandit: {{ policy: thompson, every_s: 1, seed: 3, min_weight: 2 }}
"""
    )
    # The same deployment judged on a continuous metric (value feedback): read with -f.
    (cwd / "welch.yaml").write_text(
        (cwd / "sextant.yaml").read_text().replace("metric: { feedback: reward }\n      guardrails", "metric: { feedback: value }\n      guardrails", 1)
    )
    log = cwd / "up.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            ["node", str(SEXTANT_BIN), "deploy", "up", "--store", str(sextant.store), "--python", PYTHON],
            stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
        )
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(urls) < 2 and process.poll() is None:
        urls = dict(READY.findall(log.read_text(errors="replace")))
        time.sleep(0.1)
    if len(urls) < 2:
        process.kill()
        pytest.fail("sextant deploy up did not become ready:\n" + log.read_text(errors="replace"))
    yield {"urls": urls, "cwd": cwd, "log": log}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def invoke(url: str, rows, key: str) -> tuple[str, str]:
    answer = requests.post(
        f"{url}/invocations", json={"dataframe_records": rows}, headers={"x-user-id": key}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.headers["x-request-id"], answer.headers["x-sextant-variant"]


def serve_many(url: str, rows, n: int, prefix: str) -> list[tuple[str, str]]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda i: invoke(url, rows, f"{prefix}-{i}"), range(n)))


def post_feedback(url: str, body) -> requests.Response:
    return requests.post(f"{url}/v2/sextant/feedback", json=body, timeout=30)


def test_ab_report_equals_scipy_and_statsmodels_and_a_decision_promotes(sextant, model, deployed, tmp_path):
    from mlflow import MlflowClient

    name, X = model
    url, cwd = deployed["urls"]["iris-ab"], deployed["cwd"]
    rows = X.head(1).to_dict(orient="records")
    rng = np.random.default_rng(2026)

    served = serve_many(url, rows, 600, "user")
    truth = {"champion": 0.3, "challenger": 0.5}
    rewards = {rid: int(rng.random() < truth[v]) for rid, v in served}
    by_variant = {v: [rewards[rid] for rid, w in served if w == v] for v in truth}
    assert min(len(x) for x in by_variant.values()) > 200, {v: len(x) for v, x in by_variant.items()}

    # Bad bodies are refused whole, in MLflow's error shape; unknown ids are reported.
    bad = post_feedback(url, [{"request_id": served[0][0], "reward": 3}])
    assert bad.status_code == 400 and bad.json()["error_code"] == "INVALID_PARAMETER_VALUE", bad.text
    assert "reward must be in [0, 1]" in bad.json()["message"]
    first = [{"request_id": rid, "reward": rewards[rid]} for rid, _ in served[:400]]
    answer = post_feedback(url, first + [{"request_id": "never-served", "reward": 1}])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"recorded": 400, "unknown_request_ids": ["never-served"]}
    # The rest arrives later, from a file.
    csv = tmp_path / "late.csv"
    csv.write_text("request_id,reward\n" + "".join(f"{rid},{rewards[rid]}\n" for rid, _ in served[400:]))
    out = sextant_cli(sextant, cwd, "feedback", "import", str(csv), "--deployment", "iris-ab", "--json")
    assert json.loads(out.stdout) == {"recorded": 200, "unknown_request_ids": []}
    missing = sextant_cli(sextant, cwd, "feedback", "import", str(csv), "--deployment", "iris-bandit", ok=False)
    assert missing.returncode == 1 and "not logged by iris-bandit" in missing.stdout + missing.stderr

    report = json.loads(sextant_cli(sextant, cwd, "experiment", "report", "iris-ab", "--json").stdout)
    variants = {v["name"]: v for v in report["variants"]}
    c, t = by_variant["champion"], by_variant["challenger"]
    assert variants["champion"]["n"] == len(c) and variants["champion"]["successes"] == sum(c)
    assert variants["challenger"]["n"] == len(t) and variants["challenger"]["successes"] == sum(t)
    assert variants["champion"]["requests"] == len(c) and variants["champion"]["errors"] == 0
    comparison = report["comparisons"][0]
    z, p = proportions_ztest([sum(t), sum(c)], [len(t), len(c)])
    lo, hi = confint_proportions_2indep(sum(t), len(t), sum(c), len(c), method="wald", compare="diff")
    close(comparison["test"]["statistic"], z)
    close(comparison["test"]["pValue"], p)
    close(comparison["test"]["ci"][0], lo)
    close(comparison["test"]["ci"][1], hi)
    assert comparison["sequential"]["pValue"] < 0.05
    over_time = [point["pValue"] for point in report["sequentialOverTime"]]
    assert len(over_time) == 20 and all(b <= a for a, b in zip(over_time, over_time[1:]))
    assert report["plan"]["controlN"] > 0 and report["decision"]["action"] == "promote"

    # A continuous metric on other requests of the same deployment: Welch's t-test.
    more = serve_many(url, rows, 300, "buyer")
    values = {rid: float(rng.normal(10 if v == "champion" else 11, 2 if v == "champion" else 3)) for rid, v in more}
    assert post_feedback(url, [{"request_id": rid, "value": x} for rid, x in values.items()]).status_code == 200
    welch = json.loads(
        sextant_cli(sextant, cwd, "experiment", "report", "iris-ab", "-f", "welch.yaml", "--json").stdout
    )
    cv = np.array([values[rid] for rid, v in more if v == "champion"])
    tv = np.array([values[rid] for rid, v in more if v == "challenger"])
    ref = stats.ttest_ind(tv, cv, equal_var=False)
    wlo, whi = CompareMeans(DescrStatsW(tv), DescrStatsW(cv)).tconfint_diff(alpha=0.05, usevar="unequal")
    test = welch["comparisons"][0]["test"]
    assert test["test"] == "welch-t"
    close(test["statistic"], ref.statistic)
    close(test["pValue"], ref.pvalue)
    close(test["ci"][0], wlo)
    close(test["ci"][1], whi)
    close({v["name"]: v for v in welch["variants"]}["challenger"]["mean"], tv.mean())

    # The decision promotes the challenger: alias and traffic in one recorded step.
    dry = json.loads(sextant_cli(sextant, cwd, "experiment", "decide", "iris-ab", "--dry-run", "--json").stdout)
    assert dry["action"] == "promote" and dry["applied"] is False
    assert MlflowClient().get_model_version_by_alias(name, "champion").version == "1"
    done = json.loads(sextant_cli(sextant, cwd, "experiment", "decide", "iris-ab", "--json").stdout)
    assert done["action"] == "promote" and done["variant"] == "challenger" and done["applied"] is True
    assert MlflowClient().get_model_version_by_alias(name, "champion").version == "2"
    weights = requests.get(f"{url}/v2/sextant/deployments/iris-ab", timeout=10).json()["weights"]
    assert weights == {"champion": 0, "challenger": 100}
    logs = [
        json.loads(line)
        for line in sextant_cli(sextant, cwd, "deploy", "logs", "iris-ab", "--json").stdout.splitlines()
    ]
    promote = [e for e in logs if e["kind"] == "promote"][-1]
    assert promote["details"]["from"] == "1" and promote["details"]["to"] == "2"
    evidence = promote["details"]["experiment"]["evidence"]["treatments"][0]
    assert evidence["variant"] == "challenger" and evidence["sequential"]["significant"] is True
    again = json.loads(sextant_cli(sextant, cwd, "experiment", "decide", "iris-ab", "--json").stdout)
    assert again["action"] == "concluded"
    text = sextant_cli(sextant, cwd, "experiment", "report", "iris-ab").stdout
    assert "challenger vs champion" in text and "Decision" in text


def test_a_seeded_bandit_moves_traffic_to_the_better_arm(sextant, model, deployed):
    _, X = model
    url, cwd = deployed["urls"]["iris-bandit"], deployed["cwd"]
    rows = X.head(1).to_dict(orient="records")
    rng = np.random.default_rng(7)
    truth = {"champion": 0.1, "challenger": 0.6}
    for round_ in range(8):
        served = serve_many(url, rows, 80, f"r{round_}")
        body = [{"request_id": rid, "reward": int(rng.random() < truth[v])} for rid, v in served]
        assert post_feedback(url, body).status_code == 200
        time.sleep(1.2)
    weights = requests.get(f"{url}/v2/sextant/deployments/iris-bandit", timeout=10).json()["weights"]
    assert weights["challenger"] > 80, weights
    assert weights["champion"] >= 2, "the floor keeps the losing arm measured"
    report = json.loads(sextant_cli(sextant, cwd, "experiment", "report", "iris-bandit", "--json").stdout)
    shares = [a["details"]["weights"]["challenger"] for a in report["allocations"]]
    assert len(shares) >= 5 and shares[-1] > 80, shares
    assert report["allocations"][-1]["details"]["policy"] == "thompson-beta"


def test_power_plan_equals_statsmodels(tmp_path):
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    out = sextant_cli(None, tmp_path, "experiment", "power", "--baseline", "0.1", "--effect", "0.02", "--json")
    plan = json.loads(out.stdout)
    want = NormalIndPower().solve_power(proportion_effectsize(0.12, 0.1), alpha=0.05, power=0.8, ratio=1)
    assert plan["controlN"] == pytest.approx(want, rel=1e-6)
    bad = sextant_cli(None, tmp_path, "experiment", "power", "--effect", "0.02", ok=False)
    assert bad.returncode == 1 and "--baseline" in bad.stderr
