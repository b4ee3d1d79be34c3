import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeWatchedFilesNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  TextDocumentSyncKind,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type MarkupContent,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { PipelinesChangedNotification, PipelinesRunRequest } from '../protocol';
import {
  connectInMemory,
  initializeParams,
  startSession,
  tempFolder,
  type TestSession,
} from '../session.testing';

let session: TestSession;
let root: string;
const versions = new Map<string, number>();

const uri = (name: string): string => pathToFileURL(path.join(root, name)).href;

/** Where `needle` (its `nth` occurrence) starts in `text`, plus `shift` characters. */
function at(text: string, needle: string, shift = 0, nth = 0): { line: number; character: number } {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, `'${needle}' not in the text`);
  const lines = text.slice(0, offset + shift).split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
}

/** The range of `needle` in `text`. */
function rangeOf(text: string, needle: string, nth = 0) {
  return { start: at(text, needle, 0, nth), end: at(text, needle, needle.length, nth) };
}

async function open(name: string, text: string): Promise<void> {
  versions.set(name, 1);
  await session.client.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(name), languageId: 'yaml', version: 1, text },
  });
}

async function change(name: string, text: string): Promise<void> {
  const version = (versions.get(name) ?? 1) + 1;
  versions.set(name, version);
  await session.client.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(name), version },
    contentChanges: [{ text }],
  });
}

/**
 * Diagnostics published for a file after the last call (the first call takes any), that
 * `accept` takes.
 */
function diagnosticsOf(
  name: string,
  accept: (d: Diagnostic[]) => boolean = () => true,
): Promise<PublishDiagnosticsParams> {
  const earlier = new Set(consumed);
  return session.inbox
    .next(
      PublishDiagnosticsNotification.type,
      (p) => p.uri === uri(name) && !earlier.has(p) && accept(p.diagnostics),
    )
    .then((p) => {
      for (const seen of session.inbox.all(PublishDiagnosticsNotification.type)) consumed.add(seen);
      return p;
    });
}
const consumed = new Set<PublishDiagnosticsParams>();

const labels = (result: CompletionItem[] | CompletionList | null): string[] =>
  (Array.isArray(result) ? result : (result?.items ?? [])).map((i) => i.label).sort();

const PIPELINE = `pipelines:
  train:
    steps:
      prepare:
        run: python src/prepare.py
        deps: [data/raw.csv]
        params: [prepare.split]
        outs: [data/prepared]
      fit:
        use: ./components/fit.yaml
        with:
          data: data/prepared
          model: models/model.pkl
        after: [prepare]
`;

describe('pipeline language features over LSP', { timeout: 30_000 }, () => {
  before(async () => {
    session = await startSession();
    root = session.folder;
    const files: Record<string, string> = {
      'params.yaml': 'prepare:\n  split: 0.2\n  seed: 7\n',
      'src/prepare.py':
        'import os\nos.makedirs("data/prepared", exist_ok=True)\nopen("data/prepared/rows.csv", "w").write("a\\n1\\n")\n',
      'data/raw.csv': 'a\n1\n',
      'components/fit.yaml': `description: Fits a model
inputs:
  data: { type: path, description: training data }
  lr: { type: number, default: 0.1 }
outputs:
  model: { type: path }
run: mkdir -p models && echo \${inputs.lr} > \${outputs.model}
`,
    };
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), content);
    }
  });
  after(() => session.close());

  it('advertises the features in the initialize result', async () => {
    const folder = tempFolder();
    const { client } = connectInMemory();
    const result = await client.sendRequest(InitializeRequest.type, initializeParams(folder));
    assert.deepEqual(
      {
        sync: result.capabilities.textDocumentSync,
        completion: Boolean(result.capabilities.completionProvider),
        hover: result.capabilities.hoverProvider,
        definition: result.capabilities.definitionProvider,
        symbols: result.capabilities.documentSymbolProvider,
        lenses: Boolean(result.capabilities.codeLensProvider),
        sextant: Boolean((result.capabilities.experimental as { sextant?: unknown }).sextant),
      },
      {
        sync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completion: true,
        hover: true,
        definition: true,
        symbols: true,
        lenses: true,
        sextant: true,
      },
    );
    await client.sendRequest(ShutdownRequest.type);
    await client.sendNotification(ExitNotification.type);
    client.dispose();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('publishes diagnostics with exact ranges on open and on change, from the editor text', async () => {
    fs.writeFileSync(path.join(root, 'sextant.yaml'), PIPELINE);
    const broken = PIPELINE.replace('src/prepare.py', 'src/missing.py').replace(
      'prepare.split',
      'prepare.nope',
    );
    await open('sextant.yaml', broken);
    const first = await diagnosticsOf('sextant.yaml', (d) => d.length > 0);
    assert.deepEqual(
      first.diagnostics.map((d) => [d.code, d.range, d.source]).sort(),
      [
        ['missing-script', rangeOf(broken, 'src/missing.py'), 'sextant'],
        ['unknown-param', rangeOf(broken, 'prepare.nope'), 'sextant'],
      ].sort(),
    );
    await change('sextant.yaml', PIPELINE);
    const fixed = await diagnosticsOf('sextant.yaml', (d) => d.length === 0);
    assert.equal(fixed.version, versions.get('sextant.yaml'));
  });

  it('re-checks open pipeline files when an open params file changes', async () => {
    await open('params.yaml', 'prepare:\n  seed: 7\n');
    const stale = await diagnosticsOf('sextant.yaml', (d) =>
      d.some((x) => x.code === 'unknown-param'),
    );
    assert.deepEqual(
      stale.diagnostics.map((d) => [d.code, d.range]),
      [['unknown-param', rangeOf(PIPELINE, 'prepare.split')]],
    );
    await session.client.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri: uri('params.yaml') },
    });
    await diagnosticsOf('sextant.yaml', (d) => d.length === 0);
  });

  it('re-checks open pipeline files when files change on disk', async () => {
    const text = 'steps:\n  a:\n    run: bash later.sh\n';
    await open('watch.sextant.yaml', text);
    const missing = await diagnosticsOf('watch.sextant.yaml');
    assert.deepEqual(
      missing.diagnostics.map((d) => [d.code, d.range]),
      [['missing-script', rangeOf(text, 'later.sh')]],
    );
    fs.writeFileSync(path.join(root, 'later.sh'), 'echo later\n');
    await session.client.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uri('later.sh'), type: FileChangeType.Created }],
    });
    await diagnosticsOf('watch.sextant.yaml', (d) => d.length === 0);
  });

  it('publishes a component file’s own problems', async () => {
    const text = 'inputs:\n  x: { type: text }\nrun: echo\n';
    await open('components/bad.yaml', text);
    const published = await diagnosticsOf('components/bad.yaml', (d) => d.length > 0);
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range]),
      [['schema', rangeOf(text, 'text')]],
    );
  });

  it('completes step names, params keys, file paths, component inputs and step fields', async () => {
    const complete = async (text: string, position: { line: number; character: number }) => {
      await change('sextant.yaml', text);
      return labels(
        await session.client.sendRequest(CompletionRequest.type, {
          textDocument: { uri: uri('sextant.yaml') },
          position,
        }),
      );
    };
    const afterText = PIPELINE.replace('after: [prepare]', 'after: [pre]');
    assert.deepEqual(await complete(afterText, at(afterText, 'after: [pre', 11)), ['prepare']);
    const paramsText = PIPELINE.replace('params: [prepare.split]', 'params: [prep]');
    assert.deepEqual(await complete(paramsText, at(paramsText, 'params: [prep', 13)), [
      'prepare',
      'prepare.seed',
      'prepare.split',
    ]);
    const interpolated = PIPELINE.replace('run: python src/prepare.py', 'run: echo ${params.pr');
    await change('sextant.yaml', interpolated);
    const interpolatedItems = (await session.client.sendRequest(CompletionRequest.type, {
      textDocument: { uri: uri('sextant.yaml') },
      position: at(interpolated, '${params.pr', 11),
    })) as CompletionItem[];
    assert.deepEqual(
      interpolatedItems.map((i) => (i.textEdit as { newText: string }).newText).sort(),
      ['${params.prepare', '${params.prepare.seed', '${params.prepare.split'],
    );
    const depsText = PIPELINE.replace('deps: [data/raw.csv]', 'deps: [src/]');
    assert.deepEqual(await complete(depsText, at(depsText, 'deps: [src/', 11)), ['src/prepare.py']);
    const withText = PIPELINE.replace(
      '          model: models/model.pkl\n',
      '          model: models/model.pkl\n          \n',
    );
    assert.deepEqual(await complete(withText, at(withText, 'model: models/model.pkl\n', 34)), [
      'data',
      'lr',
      'model',
    ]);
    const fieldText = PIPELINE.replace(
      '        outs: [data/prepared]\n',
      '        outs: [data/prepared]\n        ti\n',
    );
    const fields = await complete(fieldText, at(fieldText, '        ti', 10));
    for (const field of ['timeout', 'retries', 'compute', 'foreach', 'matrix', 'run', 'use']) {
      assert.ok(fields.includes(field), `step fields lack ${field}: ${fields.join(', ')}`);
    }
    const targetText = `compute:\n  far:\n    kind: ray\n    wo\n${PIPELINE}`;
    const targetFields = await complete(targetText, at(targetText, '    wo', 6));
    assert.deepEqual(targetFields.sort(), ['address', 'kind', 'tracking', 'workspace']);
    const modeText = `compute:\n  far:\n    kind: ray\n    workspace: \n${PIPELINE}`;
    assert.deepEqual(await complete(modeText, at(modeText, 'workspace: ', 11)), [
      'shared',
      'upload',
    ]);
    const kindText = `compute:\n  far:\n    kind: \n${PIPELINE}`;
    assert.deepEqual(await complete(kindText, at(kindText, 'kind: ', 6)), ['local', 'ray']);
    const useText = PIPELINE.replace('use: ./components/fit.yaml', 'use: ');
    const uses = await complete(useText, at(useText, 'use: ', 5));
    assert.ok(
      uses.includes('sextant/notebook') && uses.includes('sextant/validate-table'),
      uses.join(),
    );
    await change('sextant.yaml', PIPELINE);
  });

  it('hovers a step with its last status, a param with its value, a component with its inputs', async () => {
    const hoverAt = async (position: { line: number; character: number }): Promise<string> => {
      const result = (await session.client.sendRequest(HoverRequest.type, {
        textDocument: { uri: uri('sextant.yaml') },
        position,
      })) as Hover | null;
      return (result?.contents as MarkupContent | undefined)?.value ?? '';
    };
    const before = await hoverAt(at(PIPELINE, 'prepare:', 2));
    assert.match(before, /\*\*prepare\*\* — step of pipeline `train`/);
    assert.match(before, /Last run: not run yet/);
    assert.match(before, /Runs `python src\/prepare.py`/);
    assert.match(
      await hoverAt(at(PIPELINE, 'prepare.split', 3)),
      /`prepare.split` = `0.2` in `params.yaml`/,
    );
    const component = await hoverAt(at(PIPELINE, './components/fit.yaml', 4));
    assert.match(component, /Fits a model/);
    assert.match(component, /input `data`: path — training data/);
    assert.match(component, /output `model`: path/);

    const file = path.join(root, 'sextant.yaml');
    const started = await session.client.sendRequest(PipelinesRunRequest, {
      file,
      pipeline: 'train',
    });
    const finished = await session.inbox.next(
      PipelinesChangedNotification,
      (n) => n.run.pipelineRunId === started.pipelineRunId && n.run.status !== 'running',
    );
    assert.equal(finished.run.status, 'done', JSON.stringify(finished.run));
    const done = await hoverAt(at(PIPELINE, 'fit:', 1));
    assert.match(done, /Last run: \*\*done\*\* in \d/);
  });

  it('goes to a dependency’s file, a param’s line, a component, an `after:` step', async () => {
    const definitionAt = async (position: { line: number; character: number }) =>
      (await session.client.sendRequest(DefinitionRequest.type, {
        textDocument: { uri: uri('sextant.yaml') },
        position,
      })) as Location | null;
    assert.deepEqual(await definitionAt(at(PIPELINE, 'data/raw.csv', 2)), {
      uri: uri('data/raw.csv'),
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    });
    assert.deepEqual(await definitionAt(at(PIPELINE, 'src/prepare.py', 4)), {
      uri: uri('src/prepare.py'),
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    });
    assert.deepEqual(await definitionAt(at(PIPELINE, 'prepare.split', 9)), {
      uri: uri('params.yaml'),
      range: { start: { line: 1, character: 2 }, end: { line: 1, character: 7 } },
    });
    assert.equal(
      (await definitionAt(at(PIPELINE, './components/fit.yaml', 3)))?.uri,
      uri('components/fit.yaml'),
    );
    assert.deepEqual(await definitionAt(at(PIPELINE, '[prepare]', 2)), {
      uri: uri('sextant.yaml'),
      range: rangeOf(PIPELINE, 'prepare', 0),
    });
    assert.deepEqual(await definitionAt(at(PIPELINE, 'data: data/prepared', 8)), null);
  });

  it('lists pipelines and steps as symbols, with code lenses to run and show them', async () => {
    const symbols = (await session.client.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: uri('sextant.yaml') },
    })) as DocumentSymbol[];
    assert.deepEqual(
      symbols.map((s) => [
        s.name,
        s.selectionRange,
        (s.children ?? []).map((c) => [c.name, c.selectionRange]),
      ]),
      [
        [
          'train',
          rangeOf(PIPELINE, 'train'),
          [
            ['prepare', rangeOf(PIPELINE, 'prepare')],
            ['fit', rangeOf(PIPELINE, 'fit')],
          ],
        ],
      ],
    );
    const lenses = await session.client.sendRequest(CodeLensRequest.type, {
      textDocument: { uri: uri('sextant.yaml') },
    });
    const file = path.join(root, 'sextant.yaml');
    assert.deepEqual(
      lenses?.map((l) => [l.range.start.line, l.command?.command, l.command?.arguments]),
      [
        [1, 'sextant.runPipeline', [{ file, pipeline: 'train' }]],
        [1, 'sextant.showPipelineGraph', [{ file, pipeline: 'train' }]],
        [3, 'sextant.runStep', [{ file, pipeline: 'train', step: 'prepare' }]],
        [8, 'sextant.runStep', [{ file, pipeline: 'train', step: 'fit' }]],
      ],
    );
  });
});
