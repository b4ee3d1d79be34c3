/** The model version page: `media`'s model version view of one registered version, live. */
import type { VersionRef } from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { ModelVersionPresenter } from '@sextant/media/presenters/modelVersion';
import type { ISextantConnection } from '../tokens.js';
import { download, logToConsole, ViewPanel } from '../views/mediaView.js';
import type { ModelPanelHost } from './panelHost.js';

/** A main-area panel showing one model version's page. */
export class ModelVersionPanel extends ViewPanel<ModelVersionPresenter> {
  protected readonly presenter: ModelVersionPresenter;

  constructor(
    connection: ISextantConnection,
    readonly ref: VersionRef,
    host: ModelPanelHost,
  ) {
    super(connection, 'modelVersion');
    this.id = `sextant-model-${encodeURIComponent(ref.name)}-v${ref.version}`;
    this.title.label = `${ref.name} v${ref.version}`;
    this.presenter = new ModelVersionPresenter(ref, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (runId) => host.openRun(runId),
      openVersion: (other) => host.openVersion(other),
      copy: (text) => host.copy(text),
      saveFile: download,
      shown: (page) => {
        const aliases = page.summary.aliases.map((a) => ` @${a}`).join('');
        this.title.label = `${ref.name} v${ref.version}${aliases}`;
        this.title.caption = `Sextant model ${ref.name} version ${ref.version}`;
      },
      failed: (error) => {
        this.title.label = `${ref.name} v${ref.version} (error)`;
        this.view.node.textContent = `Cannot show ${ref.name} v${ref.version}: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }
}
