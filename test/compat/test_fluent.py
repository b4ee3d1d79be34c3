"""The fluent API (`mlflow.start_run`, `mlflow.log_*`) against Sextant."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.exceptions import MlflowException


def test_set_experiment_creates_and_reuses(client, exp_name):
    created = mlflow.set_experiment(exp_name)
    assert created.name == exp_name
    assert created.lifecycle_stage == "active"
    again = mlflow.set_experiment(exp_name)
    assert again.experiment_id == created.experiment_id
    assert client.get_experiment_by_name(exp_name).experiment_id == created.experiment_id


def test_run_logs_params_metrics_tags(client, experiment_id):
    with mlflow.start_run(run_name="fluent-run") as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"depth": 5, "optimizer": "adam"})
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.5, "f1": 0.25}, step=7)
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"stage": "dev", "owner": "ada"})
        run_id = run.info.run_id
        assert mlflow.active_run().info.run_id == run_id

    fetched = client.get_run(run_id)
    assert fetched.info.run_name == "fluent-run"
    assert fetched.info.experiment_id == experiment_id
    assert fetched.info.status == "FINISHED"
    assert fetched.info.end_time is not None and fetched.info.end_time >= fetched.info.start_time
    assert fetched.data.params == {"lr": "0.01", "depth": "5", "optimizer": "adam"}
    assert fetched.data.metrics == {"loss": pytest.approx(1 / 3), "acc": 0.5, "f1": 0.25}
    assert fetched.data.tags["team"] == "vision"
    assert fetched.data.tags["stage"] == "dev"
    assert fetched.data.tags["owner"] == "ada"
    assert fetched.data.tags["mlflow.runName"] == "fluent-run"
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "acc")] == [(7, 0.5)]


def test_nested_runs_carry_parent_tag(client, experiment_id):
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child-a", nested=True) as child_a:
            mlflow.log_metric("m", 1)
        with mlflow.start_run(run_name="child-b", nested=True) as child_b:
            mlflow.log_metric("m", 2)
        assert mlflow.active_run().info.run_id == parent.info.run_id

    parent_id = parent.info.run_id
    for child in (child_a, child_b):
        fetched = client.get_run(child.info.run_id)
        assert fetched.data.tags["mlflow.parentRunId"] == parent_id
        assert fetched.info.status == "FINISHED"
    assert "mlflow.parentRunId" not in client.get_run(parent_id).data.tags
    children = client.search_runs([experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_id}'")
    assert sorted(r.info.run_name for r in children) == ["child-a", "child-b"]


def test_end_run_with_status(client, experiment_id):
    run = mlflow.start_run()
    mlflow.end_run(status="KILLED")
    assert client.get_run(run.info.run_id).info.status == "KILLED"
    assert mlflow.active_run() is None


def test_exception_in_run_marks_it_failed(client, experiment_id):
    with pytest.raises(RuntimeError):
        with mlflow.start_run() as run:
            raise RuntimeError("boom")
    assert client.get_run(run.info.run_id).info.status == "FAILED"


def test_resume_by_mlflow_run_id(client, experiment_id, monkeypatch):
    with mlflow.start_run(run_name="resumable") as first:
        mlflow.log_param("a", 1)
        mlflow.log_metric("m", 1.0, step=0)
    run_id = first.info.run_id
    assert client.get_run(run_id).info.status == "FINISHED"

    monkeypatch.setenv("MLFLOW_RUN_ID", run_id)
    with mlflow.start_run() as resumed:
        assert resumed.info.run_id == run_id
        assert client.get_run(run_id).info.status == "RUNNING"
        mlflow.log_param("b", 2)
        mlflow.log_metric("m", 2.0, step=1)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)

    fetched = client.get_run(run_id)
    assert fetched.info.status == "FINISHED"
    assert fetched.info.run_name == "resumable"
    assert fetched.data.params == {"a": "1", "b": "2"}
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "m")] == [(0, 1.0), (1, 2.0)]
    assert len(client.search_runs([experiment_id])) == 1


def test_resume_by_run_id_argument(client, experiment_id):
    with mlflow.start_run() as first:
        pass
    with mlflow.start_run(run_id=first.info.run_id):
        mlflow.set_tag("resumed", "yes")
    assert client.get_run(first.info.run_id).data.tags["resumed"] == "yes"


def test_changing_a_param_value_is_refused(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_param("p", "1")
        mlflow.log_param("p", "1")
        with pytest.raises(MlflowException) as excinfo:
            mlflow.log_param("p", "2")
        assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
        assert "p" in str(excinfo.value)
    assert client.get_run(run.info.run_id).data.params == {"p": "1"}


def test_search_runs_fluent_dataframe(experiment_id):
    with mlflow.start_run(run_name="df-a"):
        mlflow.log_metric("acc", 0.9)
        mlflow.log_param("k", "a")
    with mlflow.start_run(run_name="df-b"):
        mlflow.log_metric("acc", 0.7)
        mlflow.log_param("k", "b")
    frame = mlflow.search_runs(experiment_ids=[experiment_id], order_by=["metrics.acc DESC"])
    assert list(frame["tags.mlflow.runName"]) == ["df-a", "df-b"]
    assert list(frame["metrics.acc"]) == [0.9, 0.7]
    assert list(frame["params.k"]) == ["a", "b"]
    assert set(frame["status"]) == {"FINISHED"}


def test_start_run_with_tags_and_description(client, experiment_id):
    with mlflow.start_run(run_name="described", tags={"k": "v"}, description="what it does") as run:
        pass
    tags = client.get_run(run.info.run_id).data.tags
    assert tags["k"] == "v"
    assert tags["mlflow.note.content"] == "what it does"
    assert tags["mlflow.runName"] == "described"
    assert "mlflow.source.name" in tags and "mlflow.user" in tags


def test_async_logging_flushes(client, experiment_id):
    with mlflow.start_run() as run:
        for step in range(50):
            mlflow.log_metric("async_m", float(step), step=step, synchronous=False)
        mlflow.log_params({"ap": "1"}, synchronous=False)
        mlflow.set_tag("at", "x", synchronous=False)
        mlflow.flush_async_logging()
    fetched = client.get_run(run.info.run_id)
    assert fetched.data.params == {"ap": "1"}
    assert fetched.data.tags["at"] == "x"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "async_m")] == list(range(50))


def test_search_runs_by_experiment_name(client, experiment_id, exp_name):
    with mlflow.start_run(run_name="by-name"):
        mlflow.log_metric("x", 1)
    frame = mlflow.search_runs(experiment_names=[exp_name])
    assert list(frame["tags.mlflow.runName"]) == ["by-name"]
    runs = mlflow.search_runs(experiment_names=[exp_name], output_format="list")
    assert [r.data.metrics for r in runs] == [{"x": 1.0}]
    assert mlflow.last_active_run().info.run_name == "by-name"
