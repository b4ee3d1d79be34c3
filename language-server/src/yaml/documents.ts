import {
  analyzePipelineFile,
  isPipelineFileName,
  type PipelineFileAnalysis,
} from '@sextant/core/pipelines/definition';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

/** What a YAML document is to Sextant. */
export type DocumentKind = 'pipeline' | 'component' | 'other';

/** The file path of a `file:` URI, or undefined for other schemes. */
export function pathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The `file:` URI of a path. */
export const uriOf = (file: string): string => pathToFileURL(file).href;

/** Whether a path names a component file by convention (`components/` folder or `*.component.yaml`). */
function looksLikeComponent(file: string): boolean {
  return (
    /\.ya?ml$/.test(file) &&
    (file.split(path.sep).includes('components') || /\.component\.ya?ml$/.test(file))
  );
}

/**
 * The documents open in the editor and the analyses of the pipeline files among them, made with
 * the editor's text of every open file (params and components included) and kept until any open
 * document or watched file changes.
 */
export class PipelineDocuments {
  readonly documents = new TextDocuments(TextDocument);
  private generation = 0;
  private readonly analyses = new Map<
    string,
    { generation: number; version: number; result: Promise<PipelineFileAnalysis> }
  >();
  /** Component and params files the last analyses named, absolute paths. */
  private readonly referenced = { components: new Set<string>(), params: new Set<string>() };

  /** Forgets every analysis: something they read changed. */
  invalidate(): void {
    this.generation++;
  }

  /** What an open (or named) document is. */
  kindOf(uri: string): DocumentKind {
    const file = pathOf(uri);
    if (!file) return 'other';
    if (isPipelineFileName(file)) return 'pipeline';
    if (this.referenced.components.has(file) || looksLikeComponent(file)) return 'component';
    return 'other';
  }

  /** Whether a file is a params or component file some analysed pipeline file reads. */
  isReferenced(file: string): boolean {
    return this.referenced.components.has(file) || this.referenced.params.has(file);
  }

  /** URIs of the open pipeline files. */
  openPipelines(): string[] {
    return this.documents
      .all()
      .filter((d) => this.kindOf(d.uri) === 'pipeline')
      .map((d) => d.uri);
  }

  /** The editor text of every open `file:` document, by absolute path. */
  private overlays(): Map<string, string> {
    const overlays = new Map<string, string>();
    for (const document of this.documents.all()) {
      const file = pathOf(document.uri);
      if (file) overlays.set(file, document.getText());
    }
    return overlays;
  }

  /** The analysis of an open pipeline file, from its editor text; undefined when it is not one. */
  analyze(uri: string): Promise<PipelineFileAnalysis> | undefined {
    const document = this.documents.get(uri);
    const file = pathOf(uri);
    if (!document || !file || this.kindOf(uri) !== 'pipeline') return undefined;
    const cached = this.analyses.get(uri);
    if (cached && cached.generation === this.generation && cached.version === document.version) {
      return cached.result;
    }
    const result = analyzePipelineFile(file, {
      text: document.getText(),
      overlays: this.overlays(),
    }).then((analysis) => {
      for (const c of analysis.componentFiles) this.referenced.components.add(c);
      for (const p of analysis.paramsFiles) this.referenced.params.add(p);
      return analysis;
    });
    this.analyses.set(uri, { generation: this.generation, version: document.version, result });
    return result;
  }

  /** Drops what is kept for a closed document. */
  forget(uri: string): void {
    this.analyses.delete(uri);
  }
}
