import { loadComponent, SourceFile } from '@sextant/core/pipelines/definition';
import type { Connection, ServerCapabilities } from 'vscode-languageserver/node';
import {
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type Diagnostic,
  type Position,
} from 'vscode-languageserver/node';
import type { Engine } from '@sextant/core';
import { readFromDisk, type ReadText } from './components';
import { complete } from './completion';
import { cursorContext } from './context';
import { toLspDiagnostic } from './convert';
import {
  deploymentCodeLenses,
  deploymentCompletion,
  deploymentDefinition,
  deploymentDiagnostics,
  deploymentHover,
} from './deployments';
import { pathOf, PipelineDocuments } from './documents';
import { hover, type StepStates } from './hover';
import { codeLenses, definition, symbols } from './navigation';

export { PIPELINE_COMMANDS } from './navigation';
export { DEPLOYMENT_COMMANDS } from './deployments';

/** Least milliseconds between two re-checks caused by files changing on disk. */
const WATCH_DEBOUNCE_MS = 200;
export type { StepStates } from './hover';

/** Options of {@link registerPipelineLanguageFeatures}. */
export interface PipelineLanguageOptions {
  /**
   * Each step's last status, duration, cached or stale, for hovers: `PipelineRunner.stepStates`
   * of the workspace's engine. Without it, hovers show the step without its status.
   */
  stepStates?: StepStates;
  /**
   * The workspace's engine, for the `deployments:` section: model URIs completed from its
   * registry, hovers with the version they resolve to, definitions at their MLmodel files.
   */
  engine?: () => Engine | undefined;
}

/** The language features registered on a connection. */
export interface PipelineLanguageFeatures {
  /** What to merge into the `initialize` result's capabilities. */
  capabilities: ServerCapabilities;
}

/**
 * Language features for Sextant's pipeline files (`sextant.yaml`, `*.sextant.yaml`) and component
 * files: diagnostics on open and change (from the editor's text, re-checked when a params or
 * component file they read changes), completion, hover (with each step's last state), go to
 * definition, document symbols and code lenses (`sextant.runPipeline`, `sextant.runStep`,
 * `sextant.showPipelineGraph`). Registers the text document handlers of the connection.
 */
export function registerPipelineLanguageFeatures(
  connection: Connection,
  options: PipelineLanguageOptions = {},
): PipelineLanguageFeatures {
  const docs = new PipelineDocuments();
  const read: ReadText = (file) => {
    const open = docs.documents.all().find((d) => pathOf(d.uri) === file);
    return open ? open.getText() : readFromDisk(file);
  };
  const published = new Set<string>();

  const publish = async (uri: string): Promise<void> => {
    const document = docs.documents.get(uri);
    if (!document) return;
    const version = document.version;
    const file = pathOf(uri);
    if (!file) return;
    let diagnostics;
    let deployments: Diagnostic[] = [];
    const kind = docs.kindOf(uri);
    if (kind === 'pipeline') {
      const analysis = await docs.analyze(uri);
      diagnostics = analysis?.diagnostics.filter((d) => d.file === file) ?? [];
      deployments = deploymentDiagnostics(document.getText());
    } else if (kind === 'component') {
      diagnostics = loadComponent(new SourceFile(file, document.getText())).diagnostics;
    } else {
      return;
    }
    if (docs.documents.get(uri)?.version !== version) return;
    published.add(uri);
    await connection.sendDiagnostics({
      uri,
      version,
      diagnostics: [...diagnostics.map(toLspDiagnostic), ...deployments],
    });
  };

  const report = (error: unknown): void =>
    connection.console.error(`sextant: pipeline diagnostics failed: ${String(error)}`);

  /** Re-checks the open pipeline files (a file they may read changed). */
  const recheckPipelines = (except?: string): void => {
    docs.invalidate();
    for (const uri of docs.openPipelines()) if (uri !== except) publish(uri).catch(report);
  };

  docs.documents.onDidChangeContent((change) => {
    const uri = change.document.uri;
    const file = pathOf(uri);
    if (file && docs.kindOf(uri) !== 'pipeline' && docs.isReferenced(file)) recheckPipelines();
    else docs.invalidate();
    publish(uri).catch(report);
  });
  docs.documents.onDidClose((event) => {
    const uri = event.document.uri;
    docs.forget(uri);
    if (published.delete(uri)) connection.sendDiagnostics({ uri, diagnostics: [] }).catch(report);
    const file = pathOf(uri);
    if (file && docs.isReferenced(file)) recheckPipelines();
  });
  // Files on disk change too (a params file saved elsewhere, a script created): re-check, at most
  // every WATCH_DEBOUNCE_MS. The watcher is asked for once a pipeline file is open.
  let watchTimer: NodeJS.Timeout | undefined;
  connection.onDidChangeWatchedFiles(() => {
    clearTimeout(watchTimer);
    watchTimer = setTimeout(() => recheckPipelines(), WATCH_DEBOUNCE_MS);
    watchTimer.unref();
  });
  let watching = false;
  docs.documents.onDidOpen((event) => {
    if (watching || docs.kindOf(event.document.uri) !== 'pipeline') return;
    watching = true;
    connection.client
      .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] })
      .catch(() => undefined);
  });

  const analysisAt = (uri: string) => docs.analyze(uri);

  /** The editor text of an open pipeline file, when the position is in its `deployments:`. */
  const deploymentsText = (uri: string, position: Position): string | undefined => {
    const document = docs.documents.get(uri);
    if (!document || docs.kindOf(uri) !== 'pipeline') return undefined;
    const text = document.getText();
    return cursorContext(text, position.line, position.character).path[0] === 'deployments'
      ? text
      : undefined;
  };
  const engine = (): Engine | undefined => {
    try {
      return options.engine?.();
    } catch {
      return undefined;
    }
  };

  connection.onCompletion(async ({ textDocument, position }) => {
    const deployments = deploymentsText(textDocument.uri, position);
    if (deployments !== undefined) return deploymentCompletion(deployments, position, engine());
    const analysis = await analysisAt(textDocument.uri);
    const document = docs.documents.get(textDocument.uri);
    if (!analysis || !document) return [];
    return complete(analysis, document.getText(), position, read);
  });
  connection.onHover(async ({ textDocument, position }) => {
    const deployments = deploymentsText(textDocument.uri, position);
    if (deployments !== undefined) return deploymentHover(deployments, position, engine());
    const analysis = await analysisAt(textDocument.uri);
    return analysis ? hover(analysis, position, read, options.stepStates) : null;
  });
  connection.onDefinition(async ({ textDocument, position }) => {
    const deployments = deploymentsText(textDocument.uri, position);
    if (deployments !== undefined) return deploymentDefinition(deployments, position, engine());
    const analysis = await analysisAt(textDocument.uri);
    return analysis ? definition(analysis, position, read) : null;
  });
  connection.onDocumentSymbol(async ({ textDocument }) => {
    const analysis = await analysisAt(textDocument.uri);
    return analysis ? symbols(analysis) : [];
  });
  connection.onCodeLens(async ({ textDocument }) => {
    const analysis = await analysisAt(textDocument.uri);
    const document = docs.documents.get(textDocument.uri);
    const deployments = document ? deploymentCodeLenses(document.getText(), textDocument.uri) : [];
    return [...(analysis ? codeLenses(analysis) : []), ...deployments];
  });
  docs.documents.listen(connection);

  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: ['.', '/', ' ', '[', ','] },
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
  };
}
