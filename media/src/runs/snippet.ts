/**
 * What an empty experiment list or an experiment without runs shows: how to start logging, with
 * the tracking URI of the server that is actually running.
 */

/** Python that logs a first run to the server at `trackingUri` (in `experiment` when given). */
export function loggingSnippet(trackingUri: string, experiment?: string): string {
  return [
    'import mlflow',
    '',
    `mlflow.set_tracking_uri(${pythonString(trackingUri)})`,
    `mlflow.set_experiment(${pythonString(experiment ?? 'my-experiment')})`,
    'with mlflow.start_run():',
    '    mlflow.log_param("lr", 0.01)',
    '    mlflow.log_metric("loss", 0.42)',
  ].join('\n');
}

/** The shell line that sets the tracking URI for a script run in a terminal. */
export function trackingEnvLine(trackingUri: string): string {
  return `export MLFLOW_TRACKING_URI=${trackingUri}`;
}

/** `value` as a Python string literal. */
function pythonString(value: string): string {
  return JSON.stringify(value);
}
