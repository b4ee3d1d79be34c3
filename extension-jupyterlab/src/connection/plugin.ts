import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ISextantConnection } from '../tokens.js';
import { SextantConnection, type ConnectionOptions } from './connection.js';

/** The jupyter-lsp key under which `sextant/lsp_spec.py` registers the server. */
export const SERVER_KEY = 'sextant';

function optionsFor(settings: ServerConnection.ISettings, storeDir: string): ConnectionOptions {
  let url = URLExt.join(settings.wsUrl, 'lsp', 'ws', SERVER_KEY);
  if (settings.token && settings.appendToken) {
    url += `?token=${encodeURIComponent(settings.token)}`;
  }
  const rootUri = PageConfig.getOption('rootUri');
  return {
    url,
    WebSocket: settings.WebSocket,
    rootUri: rootUri || null,
    storeDir: storeDir.trim() || undefined,
  };
}

/** The main plugin: provides the connection to the language server that the others require. */
export const connectionPlugin: JupyterFrontEndPlugin<ISextantConnection> = {
  id: '@sextant/jupyterlab:connection',
  description: 'Connects to the Sextant language server through jupyter-lsp (/lsp/ws/sextant).',
  autoStart: true,
  provides: ISextantConnection,
  optional: [ISettingRegistry],
  activate: (app: JupyterFrontEnd, registry: ISettingRegistry | null): ISextantConnection => {
    const serverSettings = app.serviceManager.serverSettings;
    const connection = new SextantConnection(optionsFor(serverSettings, ''));
    if (registry) {
      let current = '';
      void registry
        .load(connectionPlugin.id)
        .then((settings) => {
          const apply = (): void => {
            const storeDir = String(settings.get('storeDir').composite ?? '');
            if (storeDir === current) return;
            current = storeDir;
            connection.reconfigure(optionsFor(serverSettings, storeDir));
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch((error: unknown) => console.warn('sextant: cannot load settings', error));
    }
    return connection;
  },
};
