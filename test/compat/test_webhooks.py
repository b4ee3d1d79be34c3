"""Registry webhooks with the real mlflow client: every MlflowClient webhook call, each model
registry event delivered to a real HTTP receiver that checks the signature as MLflow tells
receivers to, retries on 5xx, and MLflow's SSRF rules on the default server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities.webhook import WebhookEvent, WebhookStatus
from mlflow.exceptions import MlflowException

from conftest import _start_server

SECRET = "s3cr3t-for-tests"
MLMODEL = """artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.9
mlflow_version: 3.17.2
"""
MODEL_EVENTS = [
    "registered_model.created",
    "model_version.created",
    "model_version_tag.set",
    "model_version_tag.deleted",
    "model_version_alias.created",
    "model_version_alias.deleted",
]


def _name(prefix: str = "hook") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def verify_signature(secret: str, headers, body: bytes) -> bool:
    """A receiver's check, as MLflow's webhook documentation gives it."""
    signature = headers.get("X-MLflow-Signature")
    delivery_id = headers.get("X-MLflow-Delivery-Id")
    timestamp = headers.get("X-MLflow-Timestamp")
    if not signature or not signature.startswith("v1,") or not delivery_id or not timestamp:
        return False
    if abs(time.time() - int(timestamp)) > 300:
        return False
    signed_content = f"{delivery_id}.{timestamp}.{body.decode('utf-8')}"
    expected = hmac.new(secret.encode("utf-8"), signed_content.encode("utf-8"), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode("utf-8"), signature[3:])


class Receiver:
    """A real HTTP server on loopback that records every POST; `/fail-once/<k>` answers 503 the
    first time for each k, `/error` always 500."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.failed: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = 200
                    if self.path == "/error":
                        status = 500
                    elif self.path.startswith("/fail-once/") and self.path not in receiver.failed:
                        receiver.failed.add(self.path)
                        status = 503
                reply = json.dumps({"received": True}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def at(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def wait_for(self, path: str, count: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} deliveries at {path}, got {len(self.at(path))}")


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="module")
def hooked(tmp_path_factory):
    """A server that allows http and loopback receivers, as MLflow's escape hatch does."""
    root = tmp_path_factory.mktemp("webhooks")
    saved = {k: os.environ.get(k) for k in ("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES")}
    os.environ.update(
        MLFLOW_WEBHOOK_ALLOWED_SCHEMES="http,https",
        MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS="true",
        MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES="2",
    )
    try:
        server = _start_server(root / "store", root / "server.log")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    assert "internal error" not in server.output(), server.output()


@pytest.fixture
def hclient(hooked):
    return MlflowClient(tracking_uri=hooked.url, registry_uri=hooked.url)


def test_webhook_crud_and_secret_never_returned(hooked, hclient, receiver):
    name = _name()
    created = hclient.create_webhook(
        name=name,
        url=f"{receiver.url}/crud",
        events=["registered_model.created", WebhookEvent("model_version", "created")],
        description="first",
        secret=SECRET,
    )
    assert created.name == name and created.url == f"{receiver.url}/crud"
    assert created.description == "first" and created.status == WebhookStatus.ACTIVE
    assert [str(e) for e in created.events] == ["registered_model.created", "model_version.created"]
    assert created.secret is None and created.creation_timestamp > 0
    assert created.creation_timestamp == created.last_updated_timestamp

    got = hclient.get_webhook(created.webhook_id)
    assert (got.webhook_id, got.name, got.url, got.description) == (created.webhook_id, name, created.url, "first")
    raw = requests.get(f"{hooked.url}/api/2.0/mlflow/webhooks/{created.webhook_id}").json()
    assert "secret" not in raw["webhook"] and SECRET not in json.dumps(raw)
    listed = requests.get(f"{hooked.url}/api/2.0/mlflow/webhooks").json()
    assert SECRET not in json.dumps(listed)

    updated = hclient.update_webhook(
        created.webhook_id,
        name=f"{name}-2",
        description="second",
        events=["model_version_alias.created"],
        status="DISABLED",
    )
    assert updated.name == f"{name}-2" and updated.description == "second"
    assert updated.status == WebhookStatus.DISABLED
    assert [str(e) for e in updated.events] == ["model_version_alias.created"]
    assert updated.last_updated_timestamp >= created.last_updated_timestamp
    assert hclient.get_webhook(created.webhook_id).status == WebhookStatus.DISABLED

    hclient.delete_webhook(created.webhook_id)
    with pytest.raises(MlflowException) as missing:
        hclient.get_webhook(created.webhook_id)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as missing_update:
        hclient.update_webhook(created.webhook_id, description="x")
    assert missing_update.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_list_webhooks_pages_newest_first(hclient, receiver):
    ids = [
        hclient.create_webhook(name=_name("page"), url=f"{receiver.url}/page", events=["prompt.created"]).webhook_id
        for _ in range(3)
    ]
    first = hclient.list_webhooks(max_results=2)
    assert len(first) == 2 and first.token
    rest = hclient.list_webhooks(max_results=2, page_token=first.token)
    seen = [w.webhook_id for w in first] + [w.webhook_id for w in rest]
    assert seen[:3] == list(reversed(ids))
    everything = []
    token = None
    while True:
        page = hclient.list_webhooks(max_results=1000, page_token=token)
        everything += [w.webhook_id for w in page]
        if not page.token:
            break
        token = page.token
    assert set(ids) <= set(everything)
    with pytest.raises(MlflowException) as too_many:
        hclient.list_webhooks(max_results=1001)
    assert too_many.value.error_code == "INVALID_PARAMETER_VALUE"
    for webhook_id in ids:
        hclient.delete_webhook(webhook_id)


def test_test_webhook_results(hclient, receiver):
    ok = hclient.create_webhook(name=_name(), url=f"{receiver.url}/probe", events=["model_version_tag.set"], secret=SECRET)
    result = hclient.test_webhook(ok.webhook_id)
    assert result.success is True and result.response_status == 200
    assert json.loads(result.response_body) == {"received": True} and result.error_message is None
    sent = receiver.wait_for("/probe", 1)[-1]
    assert verify_signature(SECRET, sent["headers"], sent["body"])
    body = json.loads(sent["body"])
    assert (body["entity"], body["action"]) == ("model_version_tag", "set")
    assert body["data"] == {"name": "example_model", "version": "1", "key": "example_key", "value": "example_value"}

    chosen = hclient.test_webhook(ok.webhook_id, event=WebhookEvent("model_version_alias", "deleted"))
    assert chosen.success
    body = json.loads(receiver.wait_for("/probe", 2)[-1]["body"])
    assert (body["entity"], body["action"], body["data"]) == (
        "model_version_alias",
        "deleted",
        {"name": "example_model", "alias": "example_alias"},
    )

    failing = hclient.create_webhook(name=_name(), url=f"{receiver.url}/error", events=["model_version.created"])
    result = hclient.test_webhook(failing.webhook_id)
    assert result.success is False and result.response_status == 500
    assert len(receiver.wait_for("/error", 3)) == 3  # the first try and MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES=2

    closed = hclient.create_webhook(name=_name(), url="http://127.0.0.1:9/nothing", events=["model_version.created"])
    result = hclient.test_webhook(closed.webhook_id)
    assert result.success is False and result.response_status is None
    assert result.error_message.startswith("Failed to test webhook:")
    for webhook in (ok, failing, closed):
        hclient.delete_webhook(webhook.webhook_id)


def test_each_registry_event_is_delivered_signed(hclient, receiver):
    hook = hclient.create_webhook(name=_name(), url=f"{receiver.url}/events", events=MODEL_EVENTS, secret=SECRET)
    off = hclient.create_webhook(name=_name(), url=f"{receiver.url}/disabled", events=MODEL_EVENTS, status="DISABLED")
    name = _name("model")
    experiment_id = hclient.create_experiment(_name("exp"))
    run = hclient.create_run(experiment_id)
    hclient.log_text(run.info.run_id, MLMODEL, "model/MLmodel")
    hclient.set_terminated(run.info.run_id)

    hclient.create_registered_model(name, tags={"team": "risk"}, description="churn")
    version = hclient.create_model_version(
        name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id, tags={"stage": "dev"}, description="v1"
    )
    hclient.set_model_version_tag(name, version.version, "validated", "yes")
    hclient.delete_model_version_tag(name, version.version, "validated")
    hclient.set_registered_model_alias(name, "champion", version.version)
    hclient.delete_registered_model_alias(name, "champion")
    hclient.set_registered_model_tag(name, "owner", "ada")  # a model's own tag: no event for a model

    got = [r for r in receiver.wait_for("/events", 6) if json.loads(r["body"])["data"].get("name") == name]
    time.sleep(0.5)
    assert len([r for r in receiver.at("/events") if json.loads(r["body"])["data"].get("name") == name]) == 6
    by_event = {}
    delivery_ids = set()
    for request in got:
        assert verify_signature(SECRET, request["headers"], request["body"]), request
        assert request["headers"]["Content-Type"] == "application/json"
        delivery_ids.add(request["headers"]["X-MLflow-Delivery-Id"])
        body = json.loads(request["body"])
        assert list(body) == ["entity", "action", "timestamp", "data"]
        assert body["timestamp"].endswith("+00:00")
        by_event[f"{body['entity']}.{body['action']}"] = body["data"]
    assert len(delivery_ids) == 6
    source = version.source
    assert by_event == {
        "registered_model.created": {"name": name, "tags": {"team": "risk"}, "description": "churn"},
        "model_version.created": {
            "name": name,
            "version": "1",
            "source": source,
            "run_id": run.info.run_id,
            "tags": {"stage": "dev"},
            "description": "v1",
        },
        "model_version_tag.set": {"name": name, "version": "1", "key": "validated", "value": "yes"},
        "model_version_tag.deleted": {"name": name, "version": "1", "key": "validated"},
        "model_version_alias.created": {"name": name, "alias": "champion", "version": "1"},
        "model_version_alias.deleted": {"name": name, "alias": "champion"},
    }
    assert not any(json.loads(r["body"])["data"].get("name") == name for r in receiver.at("/disabled"))
    hclient.delete_webhook(hook.webhook_id)
    hclient.delete_webhook(off.webhook_id)


def test_unsigned_delivery_and_retry_after_5xx(hclient, receiver):
    path = f"/fail-once/{uuid.uuid4().hex[:8]}"
    hook = hclient.create_webhook(name=_name(), url=f"{receiver.url}{path}", events=["registered_model.created"])
    name = _name("model")
    hclient.create_registered_model(name)
    first, second = receiver.wait_for(path, 2)
    assert "X-MLflow-Signature" not in first["headers"]
    assert first["headers"]["X-MLflow-Delivery-Id"] == second["headers"]["X-MLflow-Delivery-Id"]
    assert first["body"] == second["body"]
    assert json.loads(second["body"])["data"] == {"name": name, "tags": {}, "description": ""}
    hclient.delete_webhook(hook.webhook_id)


def test_registry_calls_do_not_wait_for_a_slow_or_dead_receiver(hclient):
    hook = hclient.create_webhook(name=_name(), url="http://127.0.0.1:9/dead", events=["registered_model.created"])
    started = time.perf_counter()
    for _ in range(5):
        hclient.create_registered_model(_name("fast"))
    assert time.perf_counter() - started < 5
    hclient.delete_webhook(hook.webhook_id)


def test_default_server_follows_mlflow_ssrf_rules(client):
    for url, expected in [
        ("http://example.com/hook", "Invalid webhook URL scheme: 'http'"),
        ("ftp://example.com/hook", "Invalid webhook URL scheme: 'ftp'"),
        ("file:///etc/passwd", "Invalid webhook URL scheme: 'file'"),
        ("https://127.0.0.1/hook", "non-public IP address"),
        ("https://localhost/hook", "non-public IP address"),
        ("https://169.254.169.254/latest/meta-data", "non-public IP address"),
        ("https://10.0.0.8/hook", "non-public IP address"),
        ("https://[::1]/hook", "non-public IP address"),
        ("https://[::ffff:127.0.0.1]/hook", "non-public IP address"),
        ("https://0x7f.1/hook", "non-public IP address"),
    ]:
        with pytest.raises(MlflowException) as refused:
            client.create_webhook(name=_name(), url=url, events=["model_version.created"])
        assert refused.value.error_code == "INVALID_PARAMETER_VALUE", url
        assert expected in refused.value.message, (url, refused.value.message)


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"url": "https://example.com/h", "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}]}, "'name'"),
        ({"name": "n", "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}]}, "'url'"),
        ({"name": "n", "url": "https://example.com/h"}, "'events'"),
        ({"name": "n", "url": "https://example.com/h", "events": []}, "'events'"),
        ({"name": "-bad-", "url": "https://93.184.215.14/h", "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}]}, "Webhook name"),
        ({"name": "n", "url": "https://93.184.215.14/h", "events": [{"entity": "MODEL_VERSION", "action": "SET"}]}, "Invalid action 'set' for entity 'model_version'"),
        ({"name": "n", "url": "https://93.184.215.14/h", "events": [{"entity": "NOPE", "action": "CREATED"}]}, "entity"),
        ({"name": "n", "url": "https://93.184.215.14/h", "events": "MODEL_VERSION"}, "events"),
        ({"name": "n", "url": "https://93.184.215.14/h", "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}], "status": "PAUSED"}, "status"),
        ({"name": 5, "url": "https://93.184.215.14/h", "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}]}, "'name'"),
    ],
)
def test_bad_webhook_requests_are_400_in_mlflow_shape(sextant, body, expected):
    reply = requests.post(f"{sextant.url}/api/2.0/mlflow/webhooks", json=body)
    assert reply.status_code == 400, reply.text
    error = reply.json()
    assert error["error_code"] == "INVALID_PARAMETER_VALUE" and expected in error["message"], error


def test_missing_webhook_is_404_in_mlflow_shape(sextant):
    for method in ("get", "delete"):
        reply = getattr(requests, method)(f"{sextant.url}/api/2.0/mlflow/webhooks/no-such-id")
        assert reply.status_code == 404 and reply.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    reply = requests.post(f"{sextant.url}/api/2.0/mlflow/webhooks/no-such-id/test", json={})
    assert reply.status_code == 404 and reply.json()["message"] == "Webhook with ID no-such-id not found."
