"""The REST API's error shape, checked with raw HTTP: MLflow's `{"error_code", "message"}`, never a 500."""

from __future__ import annotations

import pytest
import requests

API = "/api/2.0/mlflow"


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error_code", "message"}
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["error_code"] == code
    return body


def test_malformed_json_is_400(sextant):
    response = requests.post(
        f"{sextant.url}{API}/runs/create", data="{not json", headers={"Content-Type": "application/json"}, timeout=10
    )
    body = _assert_error(response, 400)
    assert body["error_code"] in {"MALFORMED_REQUEST", "INVALID_PARAMETER_VALUE", "BAD_REQUEST"}


def test_json_that_is_not_an_object_is_400(sextant):
    for payload in ("[1, 2]", '"text"', "42", "null"):
        response = requests.post(
            f"{sextant.url}{API}/experiments/create",
            data=payload,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert 400 <= response.status_code < 500, (payload, response.text)
        assert "error_code" in response.json()


def test_text_plain_post_is_refused(sextant):
    response = requests.post(
        f"{sextant.url}{API}/experiments/create",
        data='{"name": "plain-text-exp"}',
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert 400 <= response.status_code < 500
    assert "error_code" in response.json()
    missing = requests.get(f"{sextant.url}{API}/experiments/get-by-name", params={"experiment_name": "plain-text-exp"})
    assert missing.status_code == 404


def test_unknown_endpoint_is_404(sextant):
    for method, path in (("GET", f"{API}/no/such/endpoint"), ("POST", f"{API}/runs/frobnicate"), ("GET", "/nope")):
        response = requests.request(method, f"{sextant.url}{path}", json={}, timeout=10)
        _assert_error(response, 404, "ENDPOINT_NOT_FOUND")


def test_missing_required_parameter(sextant):
    response = requests.get(f"{sextant.url}{API}/runs/get", timeout=10)
    body = _assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert "run_id" in body["message"]
    response = requests.post(f"{sextant.url}{API}/experiments/create", json={}, timeout=10)
    _assert_error(response, 400, "INVALID_PARAMETER_VALUE")


def test_multipart_and_presigned_are_not_implemented(sextant):
    """MLflow's answer for a store without multipart transfers; the client falls back on this message."""
    base = f"{sextant.url}/api/2.0/mlflow-artifacts"
    response = requests.post(f"{base}/mpu/create/1/run/artifacts", json={"path": "a.txt", "num_parts": 1}, timeout=10)
    body = _assert_error(response, 501, "NOT_IMPLEMENTED")
    assert body["message"].startswith("Multipart upload is not supported for the current artifact repository")
    _assert_error(requests.get(f"{base}/presigned/1/run/artifacts/a.txt", timeout=10), 501, "NOT_IMPLEMENTED")


def test_non_numeric_experiment_id_is_invalid(sextant):
    response = requests.get(f"{sextant.url}{API}/experiments/get", params={"experiment_id": "abc"}, timeout=10)
    _assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    response = requests.get(f"{sextant.url}{API}/experiments/get", params={"experiment_id": "987654"}, timeout=10)
    _assert_error(response, 404, "RESOURCE_DOES_NOT_EXIST")


def test_unknown_run_is_404(sextant):
    response = requests.get(f"{sextant.url}{API}/runs/get", params={"run_id": "f" * 32}, timeout=10)
    _assert_error(response, 404, "RESOURCE_DOES_NOT_EXIST")


def test_batch_limit_over_raw_http(sextant, client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    metrics = [{"key": "m", "value": 1.0, "timestamp": 0, "step": i} for i in range(1001)]
    response = requests.post(f"{sextant.url}{API}/runs/log-batch", json={"run_id": run_id, "metrics": metrics})
    body = _assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert "1000" in body["message"]


WEIRD_REQUESTS = [
    ("POST", "/runs/create", {"experiment_id": {"nested": 1}}),
    ("POST", "/runs/create", {"experiment_id": "not-a-number"}),
    ("POST", "/runs/create", {"start_time": "yesterday"}),
    ("POST", "/runs/create", {"tags": "not-a-list"}),
    ("POST", "/runs/create", {"tags": [{"key": None, "value": 1}]}),
    ("POST", "/runs/log-metric", {"run_id": "x" * 32, "key": "m", "value": "abc", "timestamp": 0}),
    ("POST", "/runs/log-metric", {"run_id": "x" * 32, "key": "m", "value": 1, "timestamp": 1e300}),
    ("POST", "/runs/log-batch", {"run_id": "x" * 32, "metrics": [1, 2, 3]}),
    ("POST", "/runs/log-batch", {"run_id": ["a"], "metrics": []}),
    ("POST", "/runs/search", {"experiment_ids": "0", "max_results": -1}),
    ("POST", "/runs/search", {"experiment_ids": ["0"], "max_results": 10**12}),
    ("POST", "/runs/search", {"experiment_ids": ["0"], "page_token": "%%%garbage%%%"}),
    ("POST", "/runs/search", {"experiment_ids": ["0"], "order_by": [42]}),
    ("POST", "/experiments/search", {"max_results": "many"}),
    ("POST", "/experiments/search", {"view_type": "SOME"}),
    ("GET", "/experiments/get?experiment_id=abc", None),
    ("GET", "/experiments/get?experiment_id=99999999999999999999999", None),
    ("GET", "/metrics/get-history?run_id=zzz&metric_key=m", None),
    ("GET", "/metrics/get-history?run_id=zzz&metric_key=m&max_results=zero", None),
    ("POST", "/runs/update", {"run_id": "x" * 32, "status": "EXPLODED"}),
    ("POST", "/runs/delete", {"run_id": "nope"}),
    ("POST", "/runs/log-inputs", {"run_id": "x" * 32, "datasets": [{"dataset": "str"}]}),
    ("POST", "/experiments/update", {"experiment_id": "0", "new_name": ""}),
    ("GET", "/artifacts/list?run_id=nope", None),
    ("POST", "/logged-models", {"experiment_id": "nope"}),
    ("GET", "/logged-models/m-doesnotexist", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WEIRD_REQUESTS, ids=lambda v: str(v)[:40])
def test_bad_requests_are_4xx_never_500(sextant, method, path, body):
    response = requests.request(method, f"{sextant.url}{API}{path}", json=body, timeout=10)
    assert 400 <= response.status_code < 500, response.text
    assert "error_code" in response.json()


def test_artifact_path_traversal_is_refused(sextant, client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    for path in ("../../etc/passwd", "/etc/passwd", "a/../../b"):
        response = requests.get(
            f"{sextant.url}{API}/artifacts/list", params={"run_id": run_id, "path": path}, timeout=10
        )
        assert 400 <= response.status_code < 500, (path, response.text)
    response = requests.get(f"{sextant.url}/api/2.0/mlflow-artifacts/artifacts/..%2F..%2Fetc%2Fpasswd", timeout=10)
    assert 400 <= response.status_code < 500
