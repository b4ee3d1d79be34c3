/**
 * The Get Started walkthrough's own command: a terminal that logs into Sextant, with the tracking
 * URI written at its top (every terminal of the window already has `MLFLOW_TRACKING_URI`).
 */
import * as vscode from 'vscode';
import type { SextantApi } from './api';

/** Registers `sextant.openLoggingTerminal`. */
export function registerWalkthrough(api: SextantApi): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('sextant.openLoggingTerminal', () => {
      const uri = api.info?.trackingUri;
      if (!uri) {
        void vscode.window.showWarningMessage(
          "Sextant's tracking server has not started yet: see the Sextant output for why.",
        );
        return;
      }
      const terminal = vscode.window.createTerminal({
        name: 'Sextant',
        env: { MLFLOW_TRACKING_URI: uri },
        message:
          `Sextant: MLFLOW_TRACKING_URI=${uri}\r\n` +
          'Any mlflow code run here logs into Sextant: python train.py, or ' +
          'sextant run -- python train.py',
      });
      terminal.show();
    }),
  ];
}
