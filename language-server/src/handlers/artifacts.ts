import { normalizeArtifactPath, parseArtifactUri, type Engine } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { optionalChoice, optionalInteger, optionalString, requiredString } from '../params';
import {
  ArtifactsListRequest,
  ArtifactsReadRequest,
  type ArtifactEncoding,
  type ArtifactsReadResult,
} from '../protocol';
import { handle, type HandlerContext } from './context';

const DEFAULT_READ_BYTES = 1024 ** 2;
const MAX_READ_BYTES = 16 * 1024 ** 2;
const ENCODINGS: readonly ArtifactEncoding[] = ['utf8', 'base64'];

/** The run's artifact root inside the store, and a run-relative path joined to it. */
async function locate(
  engine: Engine,
  runId: string,
  relative: string,
): Promise<{ rootUri: string; root: string; full: string }> {
  const rootUri = (await engine.tracking.getRun(runId)).info.artifactUri;
  const root = parseArtifactUri(rootUri).relative;
  const inner = normalizeArtifactPath(relative);
  return { rootUri, root, full: inner ? `${root}/${inner}` : root };
}

/** The text of UTF-8 bytes without NUL, or undefined; a character cut at the end is dropped. */
function asText(bytes: Buffer, truncated: boolean): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
  } catch {
    return undefined;
  }
}

async function readArtifact(
  engine: Engine,
  storePath: string,
  path: string,
  maxBytes: number,
  encoding: ArtifactEncoding | undefined,
): Promise<ArtifactsReadResult> {
  const { stream, size } = await engine.artifacts.read(storePath);
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    read += chunk.length;
    if (read >= maxBytes) break;
  }
  stream.destroy();
  const bytes = Buffer.concat(chunks).subarray(0, maxBytes);
  const truncated = bytes.length < size;
  const text =
    encoding === 'base64'
      ? undefined
      : encoding === 'utf8'
        ? new TextDecoder('utf-8').decode(bytes, { stream: truncated })
        : asText(bytes, truncated);
  return text === undefined
    ? { path, size, encoding: 'base64', content: bytes.toString('base64'), truncated }
    : { path, size, encoding: 'utf8', content: text, truncated };
}

/** `sextant/artifacts/list` and `sextant/artifacts/read`. */
export function registerArtifactHandlers(connection: Connection, context: HandlerContext): void {
  handle(connection, ArtifactsListRequest, async (params) => {
    const { engine } = context.workspace();
    const where = await locate(
      engine,
      requiredString(params, 'runId'),
      optionalString(params, 'path') ?? '',
    );
    const entries = await engine.artifacts.list(where.full);
    return {
      rootUri: where.rootUri,
      files: entries.map((e) => ({
        path: e.path.slice(where.root.length + 1),
        isDir: e.isDir,
        ...(e.fileSize !== undefined ? { fileSize: e.fileSize } : {}),
      })),
    };
  });

  handle(connection, ArtifactsReadRequest, async (params) => {
    const { engine } = context.workspace();
    const path = requiredString(params, 'path');
    const { full } = await locate(engine, requiredString(params, 'runId'), path);
    return readArtifact(
      engine,
      full,
      path,
      optionalInteger(params, 'maxBytes', 1, MAX_READ_BYTES) ?? DEFAULT_READ_BYTES,
      optionalChoice(params, 'encoding', ENCODINGS),
    );
  });
}
