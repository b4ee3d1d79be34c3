/**
 * Sextant for JupyterLab. The connection plugin provides the language-server connection
 * (`ISextantConnection`); the sidebar (which provides `ISextantSidebar`), its Models section with the
 * model version and comparison panels, its Deployments section with the deployment dashboard, the
 * monitoring dashboard and alerts (status bar, notifications), the
 * run and comparison panels and the notebook cell badges are small plugins that require it.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { connectionPlugin } from './connection/plugin.js';
import { monitoringPlugin } from './deployments/monitoringPlugin.js';
import { experimentReportPlugin } from './deployments/experimentPlugin.js';
import { deploymentsPlugin } from './deployments/plugin.js';
import { lifecyclePlugin } from './experiments/lifecyclePlugin.js';
import { experimentsPlugin } from './experiments/plugin.js';
import { modelsPlugin } from './models/plugin.js';
import { badgesPlugin } from './notebook/plugin.js';
import { runsTablePlugin } from './views/runsTablePlugin.js';
import { timelinePlugin } from './timeline/plugin.js';
import { viewsPlugin } from './views/plugin.js';
import { welcomePlugin } from './welcome/plugin.js';

export { CommandIds, ISextantConnection, ISextantSidebar } from './tokens.js';
export type { ConnectionState } from './tokens.js';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  connectionPlugin,
  viewsPlugin,
  runsTablePlugin,
  experimentsPlugin,
  lifecyclePlugin,
  modelsPlugin,
  deploymentsPlugin,
  timelinePlugin,
  monitoringPlugin,
  experimentReportPlugin,
  badgesPlugin,
  welcomePlugin,
];

export default plugins;
