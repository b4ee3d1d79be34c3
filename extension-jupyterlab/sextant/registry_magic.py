"""``%sextant register`` and ``%sextant models``: the model registry from a notebook cell.

Both speak the MLflow Model Registry REST API of the tracking server through the ``mlflow``
client, as any notebook code would; what a version needs to be deployed comes from Sextant's own
read of it (``/api/2.0/sextant/registry/model-versions/details``).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import datetime

import requests
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException

from .connection import TIMEOUT_S

# What ``%sextant models`` and ``%sextant register`` display besides HTML and text: the model (and
# version) shown, for a frontend that links them to its views.
MODELS_MIME = "application/vnd.sextant.models+json"
# Folders of a run's artifacts searched for an ``MLmodel`` file when the run logged no MLflow 3
# logged model (``mlflow.<flavor>.log_model(..., artifact_path=...)`` of older code).
MAX_ARTIFACT_DIRS = 50
# Up to this many models, ``%sextant models`` asks for each one's versions; beyond, it scans all.
PER_MODEL_SEARCHES = 20
# How long a new version may stay PENDING_REGISTRATION (mlflow.register_model's default).
REGISTRATION_TIMEOUT_S = 300


class RegistryMagicError(Exception):
    """The registry cannot do what the magic asked; the message says what to give instead."""


@dataclass
class Registered:
    """A version that ``register`` made, and the alias it now holds (if one was asked)."""

    version: ModelVersion
    alias: str | None


def model_uri_of_run(client: MlflowClient, run_id: str) -> str:
    """The one model a run produced, as a URI ``mlflow.register_model`` takes: its MLflow 3 logged
    model (``models:/m-…``), else the artifact folder holding an ``MLmodel`` file
    (``runs:/<run_id>/<path>``). Several, or none, is an error that lists what to choose from."""
    run = client.get_run(run_id)
    logged = client.search_logged_models(
        experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'", max_results=100
    )
    if len(logged) == 1:
        return f"models:/{logged[0].model_id}"
    if len(logged) > 1:
        choices = ", ".join(f"models:/{m.model_id} ({m.name})" for m in logged)
        raise RegistryMagicError(f"run {run_id} logged {len(logged)} models: give one of {choices}")
    folders = [a.path for a in client.list_artifacts(run_id) if a.is_dir][:MAX_ARTIFACT_DIRS]
    with_model = [f for f in folders if any(a.path == f"{f}/MLmodel" for a in client.list_artifacts(run_id, f))]
    if len(with_model) == 1:
        return f"runs:/{run_id}/{with_model[0]}"
    if with_model:
        choices = ", ".join(f"runs:/{run_id}/{f}" for f in with_model)
        raise RegistryMagicError(f"run {run_id} holds {len(with_model)} models: give one of {choices}")
    raise RegistryMagicError(
        f"run {run_id} logged no model (no logged model, no MLmodel among its artifacts): "
        "log one with mlflow.<flavor>.log_model, or give its URI"
    )


def register(
    client: MlflowClient, name: str, uri: str, alias: str | None = None, description: str | None = None
) -> Registered:
    """Registers ``uri`` as a new version of ``name`` (the model is created when missing) and,
    when asked, points ``alias`` at it. The version's run comes from the URI (``runs:/``) or from
    the logged model's source run, as ``mlflow.register_model`` records it."""
    run_id = None
    if uri.startswith("runs:/"):
        run_id = uri[len("runs:/") :].split("/", 1)[0]
    model_id = None
    if uri.startswith("models:/m-"):
        model_id = uri[len("models:/") :].rstrip("/")
        run_id = client.get_logged_model(model_id).source_run_id
    created = False
    try:
        client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        client.create_registered_model(name)
        created = True
    try:
        # Waited for below, without mlflow's INFO line (an error-coloured box in a notebook).
        version = client.create_model_version(
            name, uri, run_id=run_id, description=description, model_id=model_id, await_creation_for=0
        )
    except MlflowException:
        # A refused source leaves no empty model behind.
        if created:
            client.delete_registered_model(name)
        raise
    deadline = time.monotonic() + REGISTRATION_TIMEOUT_S
    while version.status == "PENDING_REGISTRATION" and time.monotonic() < deadline:
        time.sleep(0.2)
        version = client.get_model_version(name, version.version)
    if alias:
        client.set_registered_model_alias(name, alias, version.version)
        version = client.get_model_version(name, version.version)
    return Registered(version, alias)


def all_models(client: MlflowClient, filter_string: str | None = None) -> list[RegisteredModel]:
    """Every registered model matching ``filter_string`` (MLflow's grammar), by name."""
    models: list[RegisteredModel] = []
    token = None
    while True:
        page = client.search_registered_models(
            filter_string=filter_string, max_results=1000, order_by=["name ASC"], page_token=token
        )
        models.extend(page)
        token = page.token
        if not token:
            return models


def versions_of(client: MlflowClient, name: str) -> list[ModelVersion]:
    """Every version of ``name``, newest first; RESOURCE_DOES_NOT_EXIST when there is no such model."""
    client.get_registered_model(name)
    quoted = name.replace("'", "''")
    versions: list[ModelVersion] = []
    token = None
    while True:
        page = client.search_model_versions(
            filter_string=f"name = '{quoted}'", max_results=1000, order_by=["version_number DESC"], page_token=token
        )
        versions.extend(page)
        token = page.token
        if not token:
            return versions


def versions_by_model(client: MlflowClient, models: list[RegisteredModel]) -> dict[str, list[ModelVersion]]:
    """The versions of each of ``models``: one search per model for a few, else one scan of every
    version (a registry of thousands of models is listed in pages of 1,000 versions)."""
    if len(models) <= PER_MODEL_SEARCHES:
        return {m.name: versions_of(client, m.name) for m in models}
    wanted = {m.name for m in models}
    grouped: dict[str, list[ModelVersion]] = {name: [] for name in wanted}
    token = None
    while True:
        page = client.search_model_versions(max_results=1000, page_token=token)
        for version in page:
            if version.name in wanted:
                grouped[version.name].append(version)
        token = page.token
        if not token:
            return grouped


def version_details(uri: str, name: str, version: str) -> dict:
    """Sextant's read of a version: its deploy facts (flavors, signature, requirements), lineage
    and deployability verdict (``{"deployable": bool, "reasons": [...]}``)."""
    response = requests.get(
        f"{uri}/api/2.0/sextant/registry/model-versions/details",
        params={"name": name, "version": version},
        timeout=TIMEOUT_S,
    )
    if response.status_code >= 400:
        raise RegistryMagicError(response.json().get("message", response.text))
    return response.json()


def _time(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M") if ms else ""


def _text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), *(line(r) for r in rows)])


# Inline styles only (an output cell takes no stylesheet): JupyterLab's theme variables, so the
# table follows the light, dark and high-contrast themes.
_TABLE = 'style="border-collapse:collapse;font-size:var(--jp-ui-font-size1,13px)"'
_CELL = 'style="text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid var(--jp-border-color2,#ddd)"'
_BADGE = (
    'style="display:inline-block;padding:0 6px;margin-right:4px;border-radius:8px;'
    "background:var(--jp-brand-color1,#1976d2);color:var(--jp-ui-inverse-font-color0,#fff);"
    'font-size:0.9em"'
)
_MUTED = 'style="color:var(--jp-ui-font-color2,#666)"'


def _badges(names: list[str]) -> str:
    return "".join(f"<span class=\"sextant-alias\" {_BADGE}>@{html.escape(n)}</span>" for n in names)


def html_table(headers: list[str], rows: list[list[str]], caption: str = "") -> str:
    """A table whose cells are already HTML (escape what you put in)."""
    head = "".join(f"<th {_CELL}>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td {_CELL}>{c}</td>" for c in row) + "</tr>" for row in rows)
    title = f"<caption style=\"text-align:left;font-weight:600;padding-bottom:4px\">{caption}</caption>" if caption else ""
    return f"<table class=\"sextant-table\" {_TABLE}>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def models_bundle(models: list[RegisteredModel], versions: dict[str, list[ModelVersion]]) -> dict:
    """``%sextant models``: each model with its version count, latest version, aliases and the
    versions in each legacy stage, as HTML, text and :data:`MODELS_MIME`."""
    headers = ["Model", "Versions", "Latest", "Aliases", "Stages", "Updated", "Description"]
    text_rows, html_rows, listed = [], [], []
    for model in models:
        mine = versions.get(model.name, [])
        latest = max((int(v.version) for v in mine), default=0)
        aliases = sorted(model.aliases.items(), key=lambda item: item[0]) if model.aliases else []
        stages: dict[str, list[str]] = {}
        for version in sorted(mine, key=lambda v: int(v.version)):
            if version.current_stage and version.current_stage != "None":
                stages.setdefault(version.current_stage, []).append(f"v{version.version}")
        stage_text = " ".join(f"{stage}: {','.join(vs)}" for stage, vs in sorted(stages.items()))
        alias_text = " ".join(f"@{alias}=v{version}" for alias, version in aliases)
        text_rows.append(
            [model.name, str(len(mine)), f"v{latest}" if latest else "-", alias_text, stage_text,
             _time(model.last_updated_timestamp), model.description or ""]
        )
        html_rows.append(
            [
                f"<b>{html.escape(model.name)}</b>",
                str(len(mine)),
                f"v{latest}" if latest else "-",
                "".join(
                    f"<span class=\"sextant-alias\" {_BADGE}>@{html.escape(a)} → v{html.escape(str(v))}</span>"
                    for a, v in aliases
                ),
                html.escape(stage_text),
                f"<span {_MUTED}>{_time(model.last_updated_timestamp)}</span>",
                html.escape(model.description or ""),
            ]
        )
        listed.append({"name": model.name, "versions": len(mine), "aliases": dict(aliases)})
    if not models:
        text = "no registered models: `%sextant register NAME` registers the last run's model"
        return {"text/plain": text, "text/html": f"<p {_MUTED}>{html.escape(text)}</p>", MODELS_MIME: {"models": []}}
    caption = f"Registered models ({len(models)})"
    return {
        "text/plain": f"{caption}\n{_text_table(headers, text_rows)}",
        "text/html": html_table(headers, html_rows, html.escape(caption)),
        MODELS_MIME: {"models": listed},
    }


def versions_bundle(model: RegisteredModel, versions: list[ModelVersion], details: dict[str, dict]) -> dict:
    """``%sextant models NAME``: its versions (newest first) with aliases, stage, status, whether
    each can be deployed here (and why not), flavors and source run."""
    headers = ["Version", "Aliases", "Stage", "Status", "Deployable", "Flavors", "Run", "Source", "Created"]
    text_rows, html_rows = [], []
    for version in versions:
        read = details.get(version.version, {})
        verdict = read.get("deployability") or {}
        reasons = verdict.get("reasons") or []
        deployable = bool(verdict.get("deployable"))
        flavors = ",".join((read.get("facts") or {}).get("flavors") or [])
        deploy_text = "yes" if deployable else f"no: {reasons[0]}" if reasons else "no"
        text_rows.append(
            [f"v{version.version}", " ".join(f"@{a}" for a in version.aliases), version.current_stage or "None",
             version.status or "", deploy_text, flavors, version.run_id or "", version.source or "",
             _time(version.creation_timestamp)]
        )
        mark = (
            '<span class="sextant-deployable" title="deployable here">✓ yes</span>'
            if deployable
            else f"<span class=\"sextant-not-deployable\" title=\"{html.escape('; '.join(reasons))}\">✗ "
            f"{html.escape(reasons[0] if reasons else 'no')}</span>"
        )
        html_rows.append(
            [
                f"<b>v{html.escape(version.version)}</b>",
                _badges(list(version.aliases)),
                html.escape(version.current_stage or "None"),
                html.escape(version.status or ""),
                mark,
                html.escape(flavors),
                f"<code>{html.escape(version.run_id or '')}</code>",
                f"<code>{html.escape(version.source or '')}</code>",
                f"<span {_MUTED}>{_time(version.creation_timestamp)}</span>",
            ]
        )
    caption = f"{model.name}: {len(versions)} version{'s' if len(versions) != 1 else ''}"
    if model.description:
        caption += f" - {model.description}"
    return {
        "text/plain": f"{caption}\n{_text_table(headers, text_rows)}",
        "text/html": html_table(headers, html_rows, html.escape(caption)),
        MODELS_MIME: {
            "models": [{"name": model.name, "versions": len(versions), "aliases": dict(model.aliases or {})}],
            "model": model.name,
        },
    }


def registered_bundle(done: Registered, uri: str) -> dict:
    """What ``%sextant register`` shows: the new version, its source and its alias."""
    version = done.version
    alias = f" as @{done.alias}" if done.alias else ""
    text = f"Registered {uri} as {version.name} v{version.version}{alias} ({version.status})"
    load = f'mlflow.pyfunc.load_model("models:/{version.name}@{done.alias}")' if done.alias else (
        f'mlflow.pyfunc.load_model("models:/{version.name}/{version.version}")'
    )
    body = (
        f"<p>Registered <code>{html.escape(uri)}</code> as <b>{html.escape(version.name)}</b> "
        f"v{html.escape(version.version)} {_badges([done.alias] if done.alias else [])}"
        f"<span {_MUTED}>({html.escape(version.status or '')})</span><br>"
        f"<span {_MUTED}>Load it with</span> <code>{html.escape(load)}</code></p>"
    )
    return {
        "text/plain": f"{text}\nLoad it with {load}",
        "text/html": body,
        MODELS_MIME: {"model": version.name, "version": version.version, "alias": done.alias},
    }
