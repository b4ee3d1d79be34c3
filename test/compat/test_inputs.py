"""`mlflow.log_input`: dataset inputs with name, digest, source, schema and context tag."""

from __future__ import annotations

import json

import mlflow
import mlflow.data
import pandas as pd


def test_log_input_from_pandas(client, experiment_id):
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "label": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, source="file:///tmp/sextant-data.csv", name="train-ds", targets="label")
    evaluation = mlflow.data.from_pandas(frame.head(2), source="file:///tmp/sextant-eval.csv", name="eval-ds")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "train"})
        mlflow.log_input(evaluation, context="eval")
        mlflow.log_metric("acc", 0.9, dataset=dataset)

    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    by_name = {i.dataset.name: i for i in inputs}
    assert set(by_name) == {"train-ds", "eval-ds"}

    train = by_name["train-ds"]
    assert train.dataset.digest == dataset.digest
    assert train.dataset.source_type == "local"
    assert json.loads(train.dataset.source) == {"uri": "file:///tmp/sextant-data.csv"}
    schema = json.loads(train.dataset.schema)
    assert [c["name"] for c in schema["mlflow_colspec"]] == ["a", "b", "label"]
    assert json.loads(train.dataset.profile) == {"num_rows": 3, "num_elements": 9}
    train_tags = {t.key: t.value for t in train.tags}
    assert train_tags == {"mlflow.data.context": "training", "split": "train"}

    evaluated = by_name["eval-ds"]
    assert evaluated.dataset.digest == evaluation.digest != dataset.digest
    assert {t.key: t.value for t in evaluated.tags} == {"mlflow.data.context": "eval"}
    assert [m.value for m in client.get_metric_history(run.info.run_id, "acc")] == [0.9]


def test_same_dataset_logged_twice_is_one_input(client, experiment_id):
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    dataset = mlflow.data.from_pandas(frame, source="file:///tmp/twice.csv", name="twice")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
        mlflow.log_input(dataset, context="training")
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("twice", dataset.digest)]


def test_search_runs_by_dataset(client, experiment_id):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    dataset = mlflow.data.from_pandas(frame, source="file:///tmp/searchable.csv", name="searchable")
    with mlflow.start_run(run_name="with-data"):
        mlflow.log_input(dataset, context="training")
    with mlflow.start_run(run_name="without-data"):
        pass
    found = client.search_runs([experiment_id], filter_string="dataset.name = 'searchable'")
    assert [r.info.run_name for r in found] == ["with-data"]
    found = client.search_runs([experiment_id], filter_string="dataset.context = 'training'")
    assert [r.info.run_name for r in found] == ["with-data"]
