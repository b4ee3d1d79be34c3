/**
 * Sextant for JupyterLab. The connection plugin provides the language-server connection
 * (`ISextantConnection`); the sidebar, the run and comparison panels and the notebook cell badges
 * are small plugins that require it.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { connectionPlugin } from './connection/plugin.js';
import { experimentsPlugin } from './experiments/plugin.js';
import { badgesPlugin } from './notebook/plugin.js';
import { viewsPlugin } from './views/plugin.js';
import { welcomePlugin } from './welcome/plugin.js';

export { CommandIds, ISextantConnection } from './tokens.js';
export type { ConnectionState } from './tokens.js';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  connectionPlugin,
  viewsPlugin,
  experimentsPlugin,
  badgesPlugin,
  welcomePlugin,
];

export default plugins;
