import type { VersionRef } from '@sextant/language-server/protocol';

/** What the model panels ask of the plugin that opens them. */
export interface ModelPanelHost {
  openRun(runId: string): void;
  openVersion(ref: VersionRef): void;
  /** Puts text on the clipboard and says so. */
  copy(text: string): void;
}
