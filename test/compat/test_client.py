"""`MlflowClient`: experiments, runs, search, metric history, lifecycle."""

from __future__ import annotations

import math
import time
import uuid

import pytest
from mlflow.entities import Metric, Param, RunStatus, RunTag, ViewType
from mlflow.exceptions import MlflowException


def _error_code(excinfo) -> str:
    return excinfo.value.error_code


def test_experiment_create_get_and_by_name(client, exp_name):
    experiment_id = client.create_experiment(exp_name, tags={"team": "nlp"})
    assert isinstance(experiment_id, str) and experiment_id.isdigit()
    experiment = client.get_experiment(experiment_id)
    assert experiment.name == exp_name
    assert experiment.lifecycle_stage == "active"
    assert experiment.tags == {"team": "nlp"}
    assert experiment.artifact_location
    assert experiment.creation_time > 0 and experiment.last_update_time >= experiment.creation_time
    by_name = client.get_experiment_by_name(exp_name)
    assert by_name.experiment_id == experiment_id
    assert client.get_experiment_by_name(f"{exp_name}-missing") is None


def test_experiment_errors(client, exp_name):
    client.create_experiment(exp_name)
    with pytest.raises(MlflowException) as excinfo:
        client.create_experiment(exp_name)
    assert _error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as excinfo:
        client.get_experiment("987654321")
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_search_experiments_like_and_view_types(client):
    prefix = f"srch-{uuid.uuid4().hex[:8]}"
    ids = {name: client.create_experiment(f"{prefix}-{name}") for name in ("alpha", "beta", "gamma")}
    client.delete_experiment(ids["gamma"])

    active = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'")
    assert sorted(e.name for e in active) == [f"{prefix}-alpha", f"{prefix}-beta"]
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=f"name LIKE '{prefix}%'")
    assert [e.name for e in deleted] == [f"{prefix}-gamma"]
    assert deleted[0].lifecycle_stage == "deleted"
    everything = client.search_experiments(view_type=ViewType.ALL, filter_string=f"name LIKE '{prefix}%'")
    assert len(everything) == 3
    exact = client.search_experiments(filter_string=f"name = '{prefix}-beta'")
    assert [e.experiment_id for e in exact] == [ids["beta"]]
    ordered = client.search_experiments(filter_string=f"name LIKE '{prefix}%'", order_by=["name DESC"])
    assert [e.name for e in ordered] == [f"{prefix}-beta", f"{prefix}-alpha"]
    first = client.search_experiments(filter_string=f"name LIKE '{prefix}%'", max_results=1, order_by=["name"])
    assert [e.name for e in first] == [f"{prefix}-alpha"] and first.token
    second = client.search_experiments(
        filter_string=f"name LIKE '{prefix}%'", max_results=1, order_by=["name"], page_token=first.token
    )
    assert [e.name for e in second] == [f"{prefix}-beta"]


def test_search_experiments_by_tag(client):
    marker = uuid.uuid4().hex[:8]
    tagged = client.create_experiment(f"tagged-{marker}", tags={"marker": marker})
    client.create_experiment(f"untagged-{marker}")
    found = client.search_experiments(filter_string=f"tags.marker = '{marker}'")
    assert [e.experiment_id for e in found] == [tagged]


def test_rename_delete_restore_experiment(client, exp_name):
    experiment_id = client.create_experiment(exp_name)
    run_id = client.create_run(experiment_id).info.run_id
    client.rename_experiment(experiment_id, f"{exp_name}-renamed")
    assert client.get_experiment(experiment_id).name == f"{exp_name}-renamed"
    assert client.get_experiment_by_name(exp_name) is None

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    assert client.get_run(run_id).info.lifecycle_stage == "active"


def test_set_experiment_tag(client, exp_name):
    experiment_id = client.create_experiment(exp_name)
    client.set_experiment_tag(experiment_id, "owner", "ada")
    client.set_experiment_tag(experiment_id, "owner", "grace")
    client.set_experiment_tag(experiment_id, "mlflow.note.content", "notes")
    assert client.get_experiment(experiment_id).tags == {"owner": "grace", "mlflow.note.content": "notes"}


def _make_runs(client, experiment_id):
    """Three finished runs with distinct params, metrics, tags and start times."""
    specs = [
        ("run-a", {"model": "cnn", "lr": "0.1"}, {"acc": 0.7, "loss": 0.9}, {"env": "prod", "Group": "Alpha"}),
        ("run-b", {"model": "rnn", "lr": "0.01"}, {"acc": 0.9, "loss": 0.3}, {"env": "dev", "Group": "beta"}),
        ("run-c", {"model": "cnn", "lr": "0.001"}, {"acc": 0.8, "loss": 0.5}, {"env": "dev", "Group": "ALPHA-2"}),
    ]
    ids = {}
    start = int(time.time() * 1000) - 10_000
    for offset, (name, params, metrics, tags) in enumerate(specs):
        run = client.create_run(experiment_id, run_name=name, start_time=start + offset * 1000)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, 0, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        client.set_terminated(run.info.run_id)
        ids[name] = run.info.run_id
    return ids


def _names(runs) -> list[str]:
    return [r.info.run_name for r in runs]


def test_search_runs_filters(client, experiment_id):
    ids = _make_runs(client, experiment_id)
    search = lambda f: sorted(_names(client.search_runs([experiment_id], filter_string=f)))  # noqa: E731

    assert search("params.model = 'cnn'") == ["run-a", "run-c"]
    assert search("params.model != 'cnn'") == ["run-b"]
    assert search("metrics.acc > 0.75") == ["run-b", "run-c"]
    assert search("metrics.acc >= 0.8 and metrics.loss < 0.4") == ["run-b"]
    assert search("metrics.loss <= 0.5") == ["run-b", "run-c"]
    assert search("tags.env = 'dev'") == ["run-b", "run-c"]
    assert search("tags.Group LIKE 'Alpha%'") == ["run-a"]
    assert search("tags.Group ILIKE 'alpha%'") == ["run-a", "run-c"]
    assert search("params.lr IN ('0.1', '0.001')") == ["run-a", "run-c"]
    assert search("params.model NOT IN ('cnn')") == ["run-b"]
    assert search("attributes.run_name = 'run-b'") == ["run-b"]
    assert search("run_name LIKE 'run-%'") == ["run-a", "run-b", "run-c"]
    assert search("attributes.status = 'FINISHED'") == ["run-a", "run-b", "run-c"]
    assert search(f"attributes.run_id = '{ids['run-c']}'") == ["run-c"]
    assert search(f"attributes.run_id IN ('{ids['run-a']}', '{ids['run-b']}')") == ["run-a", "run-b"]
    assert search("metrics.missing > 0") == []
    assert search("tags.`mlflow.runName` = 'run-a'") == ["run-a"]


def test_search_runs_order_by(client, experiment_id):
    _make_runs(client, experiment_id)
    order = lambda *o: _names(client.search_runs([experiment_id], order_by=list(o)))  # noqa: E731

    assert order("metrics.acc DESC") == ["run-b", "run-c", "run-a"]
    assert order("metrics.loss ASC") == ["run-b", "run-c", "run-a"]
    assert order("params.lr") == ["run-c", "run-b", "run-a"]
    assert order("params.model DESC", "metrics.acc DESC") == ["run-b", "run-c", "run-a"]
    assert order("start_time") == ["run-a", "run-b", "run-c"]
    assert order("attributes.start_time DESC") == ["run-c", "run-b", "run-a"]
    assert order() == ["run-c", "run-b", "run-a"]


def test_search_runs_paging(client, experiment_id):
    start = int(time.time() * 1000) - 100_000
    for i in range(7):
        client.create_run(experiment_id, run_name=f"page-{i}", start_time=start + i)
    seen, token, pages = [], None, 0
    while True:
        page = client.search_runs([experiment_id], max_results=3, order_by=["start_time ASC"], page_token=token)
        pages += 1
        assert len(page) <= 3
        seen.extend(_names(page))
        token = page.token
        if not token:
            break
    assert pages == 3
    assert seen == [f"page-{i}" for i in range(7)]


def test_search_runs_across_experiments(client, exp_name):
    first = client.create_experiment(f"{exp_name}-1")
    second = client.create_experiment(f"{exp_name}-2")
    client.create_run(first, run_name="in-first")
    client.create_run(second, run_name="in-second")
    assert sorted(_names(client.search_runs([first, second]))) == ["in-first", "in-second"]


def test_metric_history_values_steps_and_non_finite(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    values = [0.5, float("nan"), float("inf"), float("-inf"), -1.25, 1e-300, 3.0]
    for step, value in enumerate(values):
        client.log_metric(run_id, "m", value, timestamp=1_700_000_000_000 + step, step=step * 10)
    history = client.get_metric_history(run_id, "m")
    assert [m.step for m in history] == [step * 10 for step in range(len(values))]
    assert [m.timestamp for m in history] == [1_700_000_000_000 + step for step in range(len(values))]
    got = [m.value for m in history]
    assert got[0] == 0.5 and math.isnan(got[1])
    assert got[2] == math.inf and got[3] == -math.inf
    assert got[4:] == [-1.25, 1e-300, 3.0]
    assert client.get_run(run_id).data.metrics["m"] == 3.0

    client.log_metric(run_id, "only_nan", float("nan"))
    assert math.isnan(client.get_run(run_id).data.metrics["only_nan"])
    assert client.get_metric_history(run_id, "never-logged") == []


def test_latest_metric_is_max_step(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "x", 5.0, timestamp=100, step=5)
    client.log_metric(run_id, "x", 1.0, timestamp=200, step=1)
    client.log_metric(run_id, "x", 4.0, timestamp=50, step=5)
    assert client.get_run(run_id).data.metrics["x"] == 5.0
    history = client.get_metric_history(run_id, "x")
    assert sorted((m.step, m.timestamp, m.value) for m in history) == [(1, 200, 1.0), (5, 50, 4.0), (5, 100, 5.0)]


def test_metric_history_many_points(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=[Metric("big", i * 0.5, 1_000 + i, i) for i in range(3000)])
    history = client.get_metric_history(run_id, "big")
    assert [m.step for m in history] == list(range(3000))
    assert history[-1].value == 1499.5


def test_order_by_puts_missing_and_nan_last(client, experiment_id):
    start = int(time.time() * 1000) - 10_000
    for offset, (name, acc) in enumerate([("low", 0.7), ("high", 0.9), ("nan", float("nan")), ("none", None)]):
        run_id = client.create_run(experiment_id, run_name=name, start_time=start + offset).info.run_id
        if acc is not None:
            client.log_metric(run_id, "acc", acc)
            client.log_param(run_id, "p", name)
    order = lambda o: _names(client.search_runs([experiment_id], order_by=[o]))  # noqa: E731
    assert order("metrics.acc DESC") == ["high", "low", "nan", "none"]
    assert order("metrics.acc ASC") == ["low", "high", "nan", "none"]
    assert order("params.p ASC")[-1] == "none"
    assert order("params.p DESC")[-1] == "none"


def test_search_by_time_and_end_time(client, experiment_id):
    early = client.create_run(experiment_id, run_name="early", start_time=1_000).info.run_id
    client.create_run(experiment_id, run_name="late", start_time=5_000)
    client.set_terminated(early, end_time=2_000)
    search = lambda f: sorted(_names(client.search_runs([experiment_id], filter_string=f)))  # noqa: E731
    assert search("attributes.start_time > 2000") == ["late"]
    assert search("attributes.start_time <= 1000") == ["early"]
    assert search("attributes.end_time = 2000") == ["early"]
    assert search("attributes.status != 'FINISHED'") == ["late"]
    assert search("run_name ILIKE 'EAR%'") == ["early"]


def test_deleted_experiment_refuses_new_runs(client, exp_name):
    import mlflow

    experiment_id = client.create_experiment(exp_name)
    client.delete_experiment(experiment_id)
    assert client.get_experiment_by_name(exp_name).lifecycle_stage == "deleted"
    with pytest.raises(MlflowException) as excinfo:
        client.create_run(experiment_id)
    assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException):
        mlflow.set_experiment(exp_name)
    with pytest.raises(MlflowException) as excinfo:
        client.create_experiment(exp_name)
    assert _error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"


def test_unicode_and_odd_keys_round_trip(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "path/to:key with space", "välue ✓ 日本")
    client.set_tag(run_id, "emoji", "🚀 launch")
    client.log_metric(run_id, "a/b.c-d_e:f g", 1.5)
    data = client.get_run(run_id).data
    assert data.params == {"path/to:key with space": "välue ✓ 日本"}
    assert data.tags["emoji"] == "🚀 launch"
    assert data.metrics == {"a/b.c-d_e:f g": 1.5}
    found = client.search_runs([experiment_id], filter_string="params.`path/to:key with space` = 'välue ✓ 日本'")
    assert [r.info.run_id for r in found] == [run_id]


def test_delete_restore_run_and_view_types(client, experiment_id):
    keep = client.create_run(experiment_id, run_name="keep").info.run_id
    gone = client.create_run(experiment_id, run_name="gone").info.run_id
    client.delete_run(gone)
    assert client.get_run(gone).info.lifecycle_stage == "deleted"
    assert _names(client.search_runs([experiment_id])) == ["keep"]
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [gone]
    assert sorted(_names(client.search_runs([experiment_id], run_view_type=ViewType.ALL))) == ["gone", "keep"]
    with pytest.raises(MlflowException) as excinfo:
        client.log_metric(gone, "m", 1.0)
    assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE"

    client.restore_run(gone)
    assert client.get_run(gone).info.lifecycle_stage == "active"
    assert sorted(_names(client.search_runs([experiment_id]))) == ["gone", "keep"]
    assert client.get_run(keep).info.lifecycle_stage == "active"


def test_delete_tag(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.set_tag(run_id, "temp", "1")
    client.set_tag(run_id, "stay", "2")
    client.delete_tag(run_id, "temp")
    tags = client.get_run(run_id).data.tags
    assert "temp" not in tags and tags["stay"] == "2"
    with pytest.raises(MlflowException) as excinfo:
        client.delete_tag(run_id, "temp")
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_update_run_name_and_status(client, experiment_id):
    run_id = client.create_run(experiment_id, run_name="before").info.run_id
    client.update_run(run_id, name="after")
    fetched = client.get_run(run_id)
    assert fetched.info.run_name == "after"
    assert fetched.data.tags["mlflow.runName"] == "after"
    assert fetched.info.status == "RUNNING"
    assert _names(client.search_runs([experiment_id], filter_string="attributes.run_name = 'after'")) == ["after"]

    client.set_terminated(run_id, status="FAILED")
    fetched = client.get_run(run_id)
    assert fetched.info.status == "FAILED"
    assert RunStatus.from_string(fetched.info.status) == RunStatus.FAILED
    assert fetched.info.end_time is not None and fetched.info.end_time >= fetched.info.start_time
    assert _names(client.search_runs([experiment_id], filter_string="attributes.status = 'FAILED'")) == ["after"]


def test_set_terminated_with_end_time(client, experiment_id):
    run = client.create_run(experiment_id, start_time=1_000)
    client.set_terminated(run.info.run_id, status="KILLED", end_time=2_000)
    info = client.get_run(run.info.run_id).info
    assert (info.status, info.start_time, info.end_time) == ("KILLED", 1_000, 2_000)


def test_create_run_with_tags_and_user(client, experiment_id):
    run = client.create_run(experiment_id, tags={"mlflow.user": "ada", "k": "v"}, run_name="tagged")
    fetched = client.get_run(run.info.run_id)
    assert fetched.data.tags["k"] == "v"
    assert fetched.data.tags["mlflow.user"] == "ada"
    assert fetched.info.run_name == "tagged"
    assert fetched.info.artifact_uri.endswith(f"{run.info.run_id}/artifacts")


def test_unknown_run_is_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as excinfo:
        client.get_run("0123456789abcdef0123456789abcdef")
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as excinfo:
        client.log_param("0123456789abcdef0123456789abcdef", "p", "v")
    assert _error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize(
    "bad_filter",
    ["metrics.acc >>> 1", "foo.bar = 1", "params.model = cnn", "metrics.acc = 'text'", "blah blah"],
)
def test_bad_filter_is_invalid_parameter_value(client, experiment_id, bad_filter):
    with pytest.raises(MlflowException) as excinfo:
        client.search_runs([experiment_id], filter_string=bad_filter)
    assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE"
    assert len(excinfo.value.message) > 10


def test_bad_order_by_and_experiment_filter(client, experiment_id):
    with pytest.raises(MlflowException) as excinfo:
        client.search_runs([experiment_id], order_by=["nope.x DESC"])
    assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as excinfo:
        client.search_experiments(filter_string="blah blah")
    assert _error_code(excinfo) == "INVALID_PARAMETER_VALUE"
