/**
 * Sextant for JupyterLab. The connection plugin provides the language-server connection
 * (`ISextantConnection`); the sidebar (which provides `ISextantSidebar`), its Models section with the
 * model version and comparison panels, its Deployments section with the deployment dashboard, the
 * run and comparison panels and the notebook cell badges are small plugins that require it.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { connectionPlugin } from './connection/plugin.js';
import { experimentReportPlugin } from './deployments/experimentPlugin.js';
import { deploymentsPlugin } from './deployments/plugin.js';
import { experimentsPlugin } from './experiments/plugin.js';
import { modelsPlugin } from './models/plugin.js';
import { badgesPlugin } from './notebook/plugin.js';
import { runsTablePlugin } from './views/runsTablePlugin.js';
import { viewsPlugin } from './views/plugin.js';
import { welcomePlugin } from './welcome/plugin.js';

export { CommandIds, ISextantConnection, ISextantSidebar } from './tokens.js';
export type { ConnectionState } from './tokens.js';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  connectionPlugin,
  viewsPlugin,
  runsTablePlugin,
  experimentsPlugin,
  modelsPlugin,
  deploymentsPlugin,
  experimentReportPlugin,
  badgesPlugin,
  welcomePlugin,
];

export default plugins;
