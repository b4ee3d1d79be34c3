"""`log_batch` at MLflow's limits, and what happens one past each.

`MlflowClient.log_batch` splits large batches itself, so the over-limit cases go through the
client's REST store directly (`RestStore.log_batch`): one request, exactly as the client sends it.
"""

from __future__ import annotations

import pytest
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException


def _rest_store(client):
    return client._tracking_client.store


def _metrics(n: int, key: str = "m") -> list[Metric]:
    return [Metric(key, float(i), 1_700_000_000_000 + i, i) for i in range(n)]


def _params(n: int) -> list[Param]:
    return [Param(f"p{i}", str(i)) for i in range(n)]


def _tags(n: int) -> list[RunTag]:
    return [RunTag(f"t{i}", f"v{i}") for i in range(n)]


def test_exactly_1000_metrics(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    _rest_store(client).log_batch(run_id, metrics=_metrics(1000), params=[], tags=[])
    history = client.get_metric_history(run_id, "m")
    assert [m.step for m in history] == list(range(1000))
    assert [m.value for m in history] == [float(i) for i in range(1000)]
    assert client.get_run(run_id).data.metrics == {"m": 999.0}


def test_exactly_100_params_and_100_tags(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    _rest_store(client).log_batch(run_id, metrics=[], params=_params(100), tags=_tags(100))
    data = client.get_run(run_id).data
    assert data.params == {f"p{i}": str(i) for i in range(100)}
    assert all(data.tags[f"t{i}"] == f"v{i}" for i in range(100))


def test_client_splits_large_batches(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=_metrics(2500), params=_params(250), tags=_tags(150))
    assert len(client.get_metric_history(run_id, "m")) == 2500
    data = client.get_run(run_id).data
    assert len(data.params) == 250
    assert sum(1 for k in data.tags if k.startswith("t")) == 150


@pytest.mark.parametrize(
    ("metrics", "params", "tags", "what"),
    [
        (1001, 0, 0, "metrics"),
        (0, 101, 0, "params"),
        (0, 0, 101, "tags"),
        (1000, 100, 0, "metrics, params"),
    ],
)
def test_one_past_the_limit_is_refused_and_nothing_stored(client, experiment_id, metrics, params, tags, what):
    run_id = client.create_run(experiment_id).info.run_id
    with pytest.raises(MlflowException) as excinfo:
        _rest_store(client).log_batch(run_id, metrics=_metrics(metrics), params=_params(params), tags=_tags(tags))
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    assert what.split(",")[0] in excinfo.value.message
    data = client.get_run(run_id).data
    assert data.metrics == {}
    assert data.params == {}
    assert not any(k.startswith("t") for k in data.tags)
    assert client.get_metric_history(run_id, "m") == []


def test_param_change_in_batch_refused_atomically(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "p", "1")
    with pytest.raises(MlflowException) as excinfo:
        client.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 0, 0)],
            params=[Param("q", "new"), Param("p", "2")],
            tags=[RunTag("t", "x")],
        )
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    data = client.get_run(run_id).data
    assert data.params == {"p": "1"}
    assert data.metrics == {}
    assert "t" not in data.tags
    client.log_batch(run_id, params=[Param("p", "1")])
    assert client.get_run(run_id).data.params == {"p": "1"}


def test_duplicate_param_keys_in_one_batch(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    with pytest.raises(MlflowException) as excinfo:
        _rest_store(client).log_batch(run_id, metrics=[], params=[Param("d", "1"), Param("d", "2")], tags=[])
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run_id).data.params == {}


def test_unknown_run_is_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as excinfo:
        client.log_batch("ffffffffffffffffffffffffffffffff", metrics=[Metric("m", 1.0, 0, 0)])
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_invalid_key_is_refused(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    with pytest.raises(MlflowException) as excinfo:
        _rest_store(client).log_batch(run_id, metrics=[], params=[Param("../escape", "1")], tags=[])
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run_id).data.params == {}


def test_too_long_values_are_truncated_like_mlflow(client, experiment_id):
    """MLflow's server cuts param values to 6000 and tag values to 8000 characters by default."""
    run_id = client.create_run(experiment_id).info.run_id
    _rest_store(client).log_batch(
        run_id, metrics=[], params=[Param("exact", "x" * 6000), Param("long", "y" * 6001)], tags=[]
    )
    client.set_tag(run_id, "long_tag", "z" * 9000)
    client.log_param(run_id, "single", "w" * 7000)
    data = client.get_run(run_id).data
    assert data.params["exact"] == "x" * 6000
    assert data.params["long"] == "y" * 6000
    assert data.params["single"] == "w" * 6000
    assert data.tags["long_tag"] == "z" * 8000
    client.log_param(run_id, "long", "y" * 6500)
