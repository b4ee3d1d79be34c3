"""What ``%sextant help [COMMAND]`` prints: each magic's usage, with an example."""

from __future__ import annotations

OVERVIEW = """\
Sextant magics (`%load_ext sextant` first). `%sextant help COMMAND` shows one in full.

Tracking
  %sextant start [--experiment E] [--name N]   start a run; every cell is recorded
  %sextant log key=value ... [--step S]        log metrics (numbers) and params (text)
  %sextant status | open | end [--status S]    the active run; end it
  %%sextant [--experiment E] [--name N]        run one cell as a tracked run
Pipelines
  %sextant pipeline run|runs|logs|cancel|gc    the command line's pipeline commands
Registry
  %sextant register NAME [URI] [--alias A]     register the last run's model (or URI)
  %sextant models [NAME] [--filter F]          registered models, or one model's versions
  %sextant evaluate MODEL... --data F --target C --task classifier|regressor
Serving
  %sextant deploy NAME -m models:/M@alias      declare in sextant.yaml and serve; returns its URL
  %sextant deploy up|down|list|status|logs|traffic|promote|rollback ...
  %sextant predict NAME|URL ROWS               send rows; a DataFrame of predictions
  %sextant endpoints                           the deployments, their URLs and how to call them
Online experiments and monitoring
  %sextant experiment report|decide|power ...  A/B tests and bandits judged on feedback
  %sextant monitor reference|run|windows|alerts|rules ...   drift, quality, alerts
  %sextant feedback import FILE --deployment D outcomes of served predictions
  %sextant timeline [--deployment D|--model M] the continuous-training loop, cause by cause
"""

COMMANDS = {
    "start": """\
%sextant start [--experiment NAME] [--name RUN_NAME]
  Starts a run on the workspace's tracking server; every cell executed until `%sextant end` is
  recorded with it (source, outputs, duration).
  Example: %sextant start --experiment churn --name baseline""",
    "end": """\
%sextant end [--status FINISHED|FAILED|KILLED]
  Ends the active run and saves the notebook with it.""",
    "log": """\
%sextant log key=value ... [--step N]
  Numbers are logged as metrics, other values as params.
  Example: %sextant log accuracy=0.93 model=logreg""",
    "status": """\
%sextant status
  The active run: its id, experiment, how many params, metrics and cells it holds.""",
    "open": """\
%sextant open
  A link to the active run (JupyterLab opens it in the Sextant panel).""",
    "pipeline": """\
%sextant pipeline run|runs|logs|cancel|gc [ARGS]
  Sextant's pipeline command line on the workspace's store; `%sextant pipeline --help` lists them.
  Example: %sextant pipeline run train""",
    "register": """\
%sextant register NAME [URI] [--run RUN_ID] [--alias ALIAS] [--description TEXT]
  Registers a model as a new version of NAME: URI (runs:/..., models:/m-...), else the model of
  --run, of the active run or of the last run ended.
  Example: %sextant register churn --alias champion""",
    "models": """\
%sextant models [--filter FILTER]
%sextant models NAME
  The registered models (versions, latest, aliases, stages), or one model's versions with
  whether each can be deployed here.""",
    "evaluate": """\
%sextant evaluate MODEL... --data FILE --target COLUMN --task classifier|regressor
                 [--versions N...] [--baseline-alias A] [--on-pass-alias A] [--threshold M>=V...]
  Scores each model on the same eval set and shows their metrics side by side.
  Example: %sextant evaluate churn --versions 1 2 --data eval.csv --target label --task classifier""",
    "deploy": """\
%sextant deploy NAME -m models:/MODEL@ALIAS|models:/MODEL/N [--runtime python|onnx] [--replicas N]
  Writes the deployment into the workspace's sextant.yaml and serves it in a process of its own
  (it keeps serving when the kernel restarts); returns when it is ready, with its URL:
      url = %sextant deploy iris-api -m models:/iris@champion --replicas 2
  A deployment already running is replaced.
%sextant deploy up [NAME...]        serve the deployments sextant.yaml declares (all, or those named)
%sextant deploy down NAME           stop one
%sextant deploy list                every deployment: status, URL, variants and weights
%sextant deploy status NAME [--at TIME]   what it serves now (or served at an ISO time)
%sextant deploy logs NAME           its events: deploys, traffic changes, promotions, crashes
%sextant deploy traffic NAME champion=90 challenger=10   change the weights of a running one
%sextant deploy promote NAME [--variant V]   move the champion's alias to the challenger
%sextant deploy rollback NAME       reverse the last promotion
Options: --python PATH (the workers' Python; default: this kernel's), --reason TEXT (kept in the
history), --store DIR (default: the workspace's .sextant).""",
    "predict": """\
%sextant predict NAME|URL ROWS [--oip] [--model OIP_MODEL]
  Sends ROWS to a deployment (by name, or any endpoint's URL) and returns the predictions as a
  pandas DataFrame; the latency and the variant that answered are printed. ROWS is a Python
  expression (a DataFrame, a Series, a numpy array, a list of records, a dict) or JSON (a body of
  MLflow's scoring protocol: dataframe_split, dataframe_records, instances, inputs).
  MLflow's scoring protocol (/invocations) by default; --oip uses the Open Inference Protocol
  (/v2/models/MODEL/infer; give --model for a URL that is not a deployment of this workspace).
  Examples: preds = %sextant predict iris-api X_test.head(5)
            %sextant predict iris-api {"dataframe_records": [{"x": 1.0}]}
            %sextant predict --oip iris-api X_test.head(5)""",
    "endpoints": """\
%sextant endpoints
  The workspace's deployments as a table: status, URL, variants and their weights, replicas, the
  last minute's req/s, p50/p99 latency and error rate, and for each running one a curl and a
  Python snippet that calls it. Declared deployments that were never started are listed too.""",
    "experiment": """\
%sextant experiment report DEPLOYMENT [--json]
%sextant experiment decide DEPLOYMENT [--json]
%sextant experiment power --effect E (--baseline RATE | --sd SD) [--alpha A] [--power P]
  The online experiment of a deployment (its `experiment:` in sextant.yaml): per-variant results
  with intervals and p-values, the decision rules applied now (promote, stop, roll back), or the
  units each variant needs. After report and decide, a button opens the experiment report.
  Example: %sextant experiment report churn-api""",
    "monitor": """\
%sextant monitor reference models:/M/N (--data FILE | --from-evaluation [EVAL_SET])
%sextant monitor run|windows MONITOR [--json]
%sextant monitor alerts [--rule R] [--json]
%sextant monitor rules [--prometheus]
  The monitors and alert rules of sextant.yaml: a version's reference profile, the latest window
  checked now (drift, quality, latency; alert rules applied), the windows checked so far, the
  alert events. After run and windows, a button opens the deployment's monitoring dashboard.
  Example: %sextant monitor run churn-drift""",
    "feedback": """\
%sextant feedback import FILE --deployment DEPLOYMENT
  Imports the outcomes of served predictions (CSV or Parquet: request_id and one of label,
  reward, value; time optional), which monitoring and online experiments judge on.""",
    "timeline": """\
%sextant timeline [--deployment D] [--model M] [--since T] [--until T] [--limit N] [--json]
  The continuous-training loop, oldest first: alerts, the pipeline runs they triggered,
  evaluations, registrations, deployment changes and decisions, each with what caused it.
  A button opens the loop timeline.""",
    "help": """\
%sextant help [COMMAND]
  This help; COMMAND is one of """,
}
COMMANDS["help"] += ", ".join(sorted(COMMANDS)) + "."


def help_text(command: str | None) -> str:
    """The overview, or one command's usage; an unknown command lists the known ones."""
    if command is None:
        return OVERVIEW
    if command not in COMMANDS:
        raise ValueError(f"no magic '{command}': `%sextant help` lists them ({', '.join(sorted(COMMANDS))})")
    return COMMANDS[command]
