"""Serving models of other frameworks than scikit-learn: a LightGBM classifier logged with
`mlflow.lightgbm`, served by the Python workers and by the ONNX runtime (converted with
onnxmltools at deploy time); the served predictions must equal `mlflow.pyfunc.load_model(...)
.predict` on the same rows, through MLflow's scoring protocol and the Open Inference Protocol.
"""

from __future__ import annotations

import re
import uuid

import numpy as np
import pytest
import requests

from test_serving import expected, serve


@pytest.fixture(scope="module")
def wine():
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def lightgbm_model(sextant, wine):
    """A three-class LightGBM classifier logged with a signature and registered as version 1."""
    import lightgbm
    import mlflow

    X, y = wine
    name = f"wine-lgbm-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"serving-{name}")
    with mlflow.start_run():
        model = lightgbm.LGBMClassifier(n_estimators=30, num_leaves=8, random_state=0,
                                        verbose=-1).fit(X, y)
        info = mlflow.lightgbm.log_model(model, name="model", input_example=X.head(5),
                                         registered_model_name=name)
    return name, info.model_uri


@pytest.mark.parametrize("runtime", ["python", "onnx"])
def test_lightgbm_served_predictions_equal_pyfunc(sextant, lightgbm_model, wine, tmp_path, runtime):
    import tritonclient.http as httpclient

    name, uri = lightgbm_model
    X, _ = wine
    rows = X.sample(40, random_state=5)
    server = serve(sextant, tmp_path, f"models:/{name}/1", "--runtime", runtime)
    try:
        if runtime == "onnx":
            assert re.search(r"the conversion matches the model on \d+ rows", server.output())
        want = expected(uri, rows)
        assert len(set(want)) > 1, "the rows cover more than one class"
        answer = requests.post(f"{server.url}/invocations",
                               json={"dataframe_split": rows.to_dict(orient="split")}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"predictions": want}
        client = httpclient.InferenceServerClient(url=server.url.removeprefix("http://"))
        if runtime == "onnx":
            tensor = httpclient.InferInput("features", [len(rows), X.shape[1]], "FP32")
            tensor.set_data_from_numpy(rows.to_numpy(dtype=np.float32))
            result = client.infer(name, [tensor])
            assert result.as_numpy("predictions").tolist() == want
        else:
            inputs = []
            for column in X.columns:
                tensor = httpclient.InferInput(column, [len(rows)], "FP64")
                tensor.set_data_from_numpy(rows[column].to_numpy(dtype=np.float64))
                inputs.append(tensor)
            result = client.infer(name, inputs)
            got = result.as_numpy(result.get_response()["outputs"][0]["name"])
            assert np.asarray(got).reshape(-1).tolist() == want
    finally:
        assert server.stop() == 0, server.output()
