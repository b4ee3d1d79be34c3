/** The model comparison: `media`'s comparison of 2 to 10 model versions on one eval set, live. */
import type { VersionRef } from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { ModelComparePresenter } from '@sextant/media/presenters/modelCompare';
import type { ISextantConnection } from '../tokens.js';
import { download, logToConsole, ViewPanel } from '../views/mediaView.js';
import { comparisonLabel } from './model.js';
import type { ModelPanelHost } from './panelHost.js';

/** A main-area panel comparing model versions. */
export class ModelComparePanel extends ViewPanel<ModelComparePresenter> {
  protected readonly presenter: ModelComparePresenter;

  constructor(
    connection: ISextantConnection,
    readonly versions: VersionRef[],
    host: ModelPanelHost,
  ) {
    super(connection, 'modelCompare');
    this.id = `sextant-model-compare-${versions
      .map((v) => `${encodeURIComponent(v.name)}-${v.version}`)
      .join('-')
      .slice(0, 200)}`;
    this.title.label = `Compare ${comparisonLabel(versions)}`;
    this.presenter = new ModelComparePresenter(versions, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (runId) => host.openRun(runId),
      openVersion: (ref) => host.openVersion(ref),
      copy: (text) => host.copy(text),
      saveFile: download,
      compared: (result) => {
        this.title.caption = `Model comparison${result.evalSet ? ` on ${result.evalSet}` : ''}`;
      },
      failed: (error) => {
        this.title.label = 'Compare models (error)';
        this.view.node.textContent = `Cannot compare the versions: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }
}
