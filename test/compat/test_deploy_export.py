"""`sextant deploy export NAME --kserve`: a deployment with a canary, on versions logged and
registered by the real mlflow client, written as a KServe InferenceService and validated against
the KServe SDK's model classes (in .venv-kserve: the SDK pins protobuf 6, which the main .venv does
not take)."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SEXTANT_BIN

KSERVE_PYTHON = REPO / ".venv-kserve" / "bin" / "python"
VALIDATE = Path(__file__).with_name("kserve_validate.py")


def validate(*files: Path) -> list[list[str]]:
    if not KSERVE_PYTHON.exists():
        pytest.fail(f"{KSERVE_PYTHON} is missing: run scripts/setup.sh (it installs test/requirements-kserve.txt)")
    done = subprocess.run([str(KSERVE_PYTHON), str(VALIDATE), *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["problems"] for line in done.stdout.splitlines()]


def export(sextant, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", str(SEXTANT_BIN), "deploy", "export", *args, "--store", str(sextant.store)],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )


def test_kserve_manifest_of_a_canary_validates_against_kserves_schema(sextant, tmp_path):
    import mlflow
    from mlflow import MlflowClient
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    name = f"iris-kserve-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"kserve-{name}")
    for c in (1.0, 0.1):
        with mlflow.start_run():
            mlflow.sklearn.log_model(LogisticRegression(C=c, max_iter=500).fit(X, y), name="model",
                                     input_example=X.head(2), registered_model_name=name)
    MlflowClient().set_registered_model_alias(name, "champion", "1")
    (tmp_path / "sextant.yaml").write_text(f"""
deployments:
  Iris_API:
    model: models:/{name}@champion
    replicas: {{ min: 2, max: 5 }}
    resources: {{ requests: {{ cpu: "1", memory: 2Gi }}, limits: {{ memory: 4Gi }} }}
    routes:
      variants:
        - {{ name: champion, weight: 90 }}
        - {{ name: challenger, model: "models:/{name}/2", weight: 10 }}
        - {{ name: mirror, model: "models:/{name}/1", shadow: true }}
""")
    canary = tmp_path / "canary.yaml"
    done = export(sextant, tmp_path, "Iris_API", "--kserve", "-o", str(canary))
    assert done.returncode == 0, done.stderr
    assert "apply the champion's manifest first" in done.stderr and "shadow" in done.stderr
    done = export(sextant, tmp_path, "Iris_API", "--kserve", "--variant", "champion",
                  "--storage-uri-prefix", "s3://models/sextant")
    assert done.returncode == 0, done.stderr
    champion = tmp_path / "champion.yaml"
    champion.write_text(done.stdout)

    assert validate(canary, champion) == [[], []]
    manifest = yaml.safe_load(canary.read_text())
    predictor = manifest["spec"]["predictor"]
    assert manifest["metadata"]["name"] == "iris-api"
    assert predictor["canaryTrafficPercent"] == 10
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (2, 5)
    model = predictor["model"]
    assert model["modelFormat"] == {"name": "mlflow", "version": "1"}
    assert model["protocolVersion"] == "v2"
    assert model["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}}
    # The storageUri is version 2's artifact location: the MLflow model folder itself.
    assert (Path(model["storageUri"]) / "MLmodel").is_file()
    assert manifest["metadata"]["annotations"]["sextant.io/model-version"] == "2"
    one = yaml.safe_load(champion.read_text())["spec"]["predictor"]
    assert "canaryTrafficPercent" not in one
    assert one["model"]["storageUri"].startswith("s3://models/sextant/")
    assert yaml.safe_load(champion.read_text())["metadata"]["annotations"]["sextant.io/model-version"] == "1"

    # The check is real: a misspelt field, a wrong type and a missing required field are refused.
    broken = dict(manifest)
    broken["spec"] = {"predictor": {**predictor, "canaryTraficPercent": 10, "minReplicas": "2",
                                    "model": {k: v for k, v in model.items() if k != "modelFormat"}}}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    [problems] = validate(tmp_path / "broken.yaml")
    assert any("canaryTraficPercent: not a field" in p for p in problems), problems
    assert any("minReplicas: expected an integer" in p for p in problems), problems
    assert any("model_format" in p for p in problems), problems


def test_export_refuses_what_kserve_cannot_express(sextant, tmp_path):
    (tmp_path / "sextant.yaml").write_text("""
deployments:
  three-way:
    model: models:/nothing@champion
""")
    done = export(sextant, tmp_path, "three-way")
    assert done.returncode != 0 and "--kserve" in done.stderr
    done = export(sextant, tmp_path, "missing", "--kserve")
    assert done.returncode != 0 and "declares no deployment named missing" in done.stderr
