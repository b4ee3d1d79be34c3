/**
 * What a new user does first, as the Getting Started panel shows it: the same steps as the VS
 * Code walkthrough (log a run, open it, compare, run a pipeline, register a model), with the
 * tracking URI to log to.
 */

/** One step: a title, what to do, and code to type (shown as-is, copyable). */
export interface WelcomeStep {
  id: string;
  title: string;
  text: string;
  code?: string;
  /** A button's label; the button opens the Sextant sidebar. */
  sidebarButton?: string;
}

/** The steps for a tracking server at `trackingUri` (undefined: not connected yet). */
export function welcomeSteps(trackingUri: string | undefined): WelcomeStep[] {
  const uri = trackingUri ?? '<the tracking URI, shown here once connected>';
  return [
    {
      id: 'log',
      title: 'Log a run',
      text:
        'In a notebook, load the magics and start a run; plain mlflow code in the same kernel ' +
        'logs into it. From a terminal, point any mlflow code at the tracking server, or wrap a ' +
        'command with sextant run.',
      code:
        '%load_ext sextant\n%sextant start --experiment demo\n%sextant log lr=0.01 acc=0.93\n' +
        `\n# in a terminal\nexport MLFLOW_TRACKING_URI=${uri}\npython train.py\n` +
        'sextant run --experiment demo -- python train.py',
    },
    {
      id: 'open',
      title: 'Open a run',
      text:
        'The Sextant sidebar lists experiments and their runs, live. Click a run to open its ' +
        'metrics charts, parameters and artifacts.',
      sidebarButton: 'Open the Sextant sidebar',
    },
    {
      id: 'compare',
      title: 'Compare runs',
      text:
        'Select several runs in the sidebar (Ctrl- or Shift-click) and press Compare: curves ' +
        'overlaid, the parameters that differ, parallel coordinates.',
    },
    {
      id: 'pipeline',
      title: 'Run a pipeline',
      text:
        'Describe steps in a sextant.yaml next to your notebook and run it; each step is a ' +
        'tracked run, cached, and the sidebar shows its graph live.',
      code: '%sextant pipeline run\n\n# or in a terminal\nsextant pipeline run',
    },
    {
      id: 'register',
      title: 'Register a model',
      text:
        "Register a logged model with mlflow's registry calls; Sextant keeps its versions, " +
        'aliases and history.',
      code:
        'mlflow.sklearn.log_model(model, name="model", registered_model_name="churn")\n' +
        '\n# in a terminal\nsextant models show churn',
    },
  ];
}
