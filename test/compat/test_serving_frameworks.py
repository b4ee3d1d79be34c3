"""Serving models of other frameworks than scikit-learn: a LightGBM classifier logged with
`mlflow.lightgbm`, served by the Python workers and by the ONNX runtime (converted with
onnxmltools at deploy time), and a small PyTorch network (CPU) logged with `mlflow.pytorch`,
served by the Python workers; the served predictions must equal `mlflow.pyfunc.load_model(...)
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


@pytest.fixture(scope="module")
def torch_model(sextant, wine):
    """A two-layer network (13 inputs, 3 class scores) trained a few steps, with a tensor signature."""
    import mlflow
    import torch
    from mlflow.models import infer_signature

    X, y = wine
    features = torch.tensor(((X - X.mean()) / X.std()).to_numpy(dtype=np.float32))
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(13, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    optimiser = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(50):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(features), torch.tensor(y.to_numpy()))
        loss.backward()
        optimiser.step()
    net.eval()
    example = features[:5].numpy()
    name = f"wine-torch-{uuid.uuid4().hex[:6]}"
    mlflow.set_experiment(f"serving-{name}")
    with mlflow.start_run():
        info = mlflow.pytorch.log_model(
            net, name="model", input_example=example, registered_model_name=name,
            signature=infer_signature(example, net(features[:5]).detach().numpy()),
        )
    return name, info.model_uri, features.numpy()


def test_pytorch_served_predictions_equal_pyfunc(sextant, torch_model, tmp_path):
    import mlflow.pyfunc
    import tritonclient.http as httpclient

    name, uri, features = torch_model
    rows = features[::7]
    want = np.asarray(mlflow.pyfunc.load_model(uri).predict(rows))
    assert want.shape == (len(rows), 3)
    server = serve(sextant, tmp_path, f"models:/{name}/1")
    try:
        answer = requests.post(f"{server.url}/invocations", json={"inputs": rows.tolist()},
                               timeout=60)
        assert answer.status_code == 200, answer.text
        np.testing.assert_allclose(np.asarray(answer.json()["predictions"]), want, rtol=1e-6)
        client = httpclient.InferenceServerClient(url=server.url.removeprefix("http://"))
        tensor = httpclient.InferInput("input", list(rows.shape), "FP32")
        tensor.set_data_from_numpy(rows)
        result = client.infer(name, [tensor])
        got = result.as_numpy(result.get_response()["outputs"][0]["name"])
        np.testing.assert_allclose(np.asarray(got).reshape(want.shape), want, rtol=1e-6)
        bad = requests.post(f"{server.url}/invocations", json={"inputs": [[1.0, 2.0]]}, timeout=60)
        assert bad.status_code == 400, bad.text
    finally:
        assert server.stop() == 0, server.output()
