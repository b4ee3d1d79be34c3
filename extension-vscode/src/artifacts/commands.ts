/**
 * Run artifacts in VS Code: a read-only `sextant-artifact:` document for text files, "Open
 * Artifact" (text in an editor tab, images in the run view) and "Download Artifact…".
 */
import { ArtifactsReadRequest } from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { baseName, previewKind } from '@sextant/media/artifacts';
import type { SextantApi } from '../api';
import type { DetailNode } from '../runDetails/model';
import type { Panels } from '../webviews/panels';
import {
  ARTIFACT_SCHEME,
  artifactDocumentText,
  artifactUriPath,
  checkArtifactPath,
  parseArtifactUriPath,
  type ArtifactAddress,
} from './uri';

/** Most bytes read over the language server at once (its cap). */
const MAX_READ_BYTES = 16 * 1024 * 1024;

/** The artifact a command was invoked on: a Run Details row, an address, or a document URI. */
export function artifactOf(target: unknown): ArtifactAddress {
  const node = target as DetailNode | undefined;
  if (node?.artifact) {
    if (node.artifact.isDir) throw new Error(`${node.artifact.path} is a folder: pick a file.`);
    return { runId: node.artifact.runId, path: node.artifact.path };
  }
  if (target instanceof vscode.Uri && target.scheme === ARTIFACT_SCHEME) {
    return parseArtifactUriPath(target.path);
  }
  const address = target as Partial<ArtifactAddress> | undefined;
  if (typeof address?.runId === 'string' && typeof address.path === 'string') {
    return { runId: address.runId, path: checkArtifactPath(address.path) };
  }
  throw new Error('pick an artifact file in the Run Details view first.');
}

/** The `sextant-artifact:` URI of an artifact. */
export function artifactUri(address: ArtifactAddress): vscode.Uri {
  return vscode.Uri.from({ scheme: ARTIFACT_SCHEME, path: artifactUriPath(address) });
}

/** Serves artifact text files as read-only documents. */
export class ArtifactDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly api: SextantApi) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { runId, path } = parseArtifactUriPath(uri.path);
    const result = await this.api.request(ArtifactsReadRequest, {
      runId,
      path,
      maxBytes: MAX_READ_BYTES,
    });
    if (result.encoding !== 'utf8') {
      throw new Error(`${path} is not UTF-8 text: use "Download Artifact…" to save it.`);
    }
    return artifactDocumentText(result.content, result.size, result.truncated, MAX_READ_BYTES);
  }
}

/** The whole content of an artifact: over the language server, or the tracking server when big. */
async function artifactBytes(
  api: SextantApi,
  { runId, path }: ArtifactAddress,
): Promise<Uint8Array> {
  const read = await api.request(ArtifactsReadRequest, {
    runId,
    path,
    encoding: 'base64',
    maxBytes: MAX_READ_BYTES,
  });
  if (!read.truncated) return Buffer.from(read.content, 'base64');
  const uri = api.info?.trackingUri;
  if (!uri)
    throw new Error('the tracking server is stopped: start it to download large artifacts.');
  const query = new URLSearchParams({ run_id: runId, path });
  const response = await fetch(`${uri}/get-artifact?${query.toString()}`);
  if (!response.ok) throw new Error(`downloading ${path} failed: ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Registers the document provider and the artifact commands with `register` (which reports errors). */
export function registerArtifactCommands(
  api: SextantApi,
  panels: Panels,
  register: (id: string, fn: (...args: unknown[]) => unknown) => vscode.Disposable,
): vscode.Disposable[] {
  return [
    vscode.workspace.registerTextDocumentContentProvider(
      ARTIFACT_SCHEME,
      new ArtifactDocuments(api),
    ),
    register('sextant.openArtifact', async (target) => {
      const address = artifactOf(target);
      if (previewKind(address.path) === 'image') {
        panels.showRun(address.runId, undefined, address.path);
        return;
      }
      const document = await vscode.workspace.openTextDocument(artifactUri(address));
      await vscode.window.showTextDocument(document, { preview: true });
    }),
    register('sextant.downloadArtifact', async (target, destination) => {
      const address = artifactOf(target);
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const file =
        destination instanceof vscode.Uri
          ? destination
          : await vscode.window.showSaveDialog({
              title: `Download ${address.path}`,
              defaultUri: folder ? vscode.Uri.joinPath(folder, baseName(address.path)) : undefined,
            });
      if (!file) return;
      await vscode.workspace.fs.writeFile(file, await artifactBytes(api, address));
      vscode.window.setStatusBarMessage(
        `Sextant: saved ${vscode.workspace.asRelativePath(file)}`,
        5000,
      );
    }),
  ];
}
