import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  PublishDiagnosticsNotification,
  type CompletionItem,
  type CompletionList,
  type Location,
  type MarkupContent,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { mlflow, startSession, type TestSession } from '../session.testing';

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.9
mlflow_version: 3.17.2
`;

const DEPLOYMENTS = `deployments:
  api:
    model: models:/churn@champion
    runtime: python
    replicas: 2
  canary:
    model: models:/churn/2
`;

/** Where `needle` (its `nth` occurrence) starts in `text`, plus `shift` characters. */
function at(text: string, needle: string, shift = 0, nth = 0): { line: number; character: number } {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, `'${needle}' not in the text`);
  const lines = text.slice(0, offset + shift).split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
}

const labels = (result: CompletionItem[] | CompletionList | null): string[] =>
  (Array.isArray(result) ? result : (result?.items ?? [])).map((i) => i.label).sort();

describe('deployments: language features over LSP', { timeout: 30_000 }, () => {
  let session: TestSession;
  let uri: string;
  let version = 0;
  const call = <T>(endpoint: string, body: unknown): Promise<T> =>
    mlflow<T>(session.sextant.trackingUri, endpoint, body);

  before(async () => {
    session = await startSession();
    uri = pathToFileURL(path.join(session.folder, 'sextant.yaml')).href;
    const { run } = await call<{ run: { info: { run_id: string } } }>('runs/create', {
      experiment_id: '0',
    });
    const runId = run.info.run_id;
    const upload = await fetch(
      `${session.sextant.trackingUri}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/MLmodel`,
      { method: 'PUT', body: MLMODEL },
    );
    assert.equal(upload.status, 200);
    await call('registered-models/create', { name: 'churn' });
    for (let i = 0; i < 2; i++) {
      await call('model-versions/create', {
        name: 'churn',
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
    }
    await call('registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
  });
  after(() => session.close());

  /** Opens sextant.yaml with `text`, or changes it to `text`; its diagnostics once checked. */
  async function show(text: string): Promise<PublishDiagnosticsParams> {
    const first = version === 0;
    version++;
    const next = session.inbox.next(
      PublishDiagnosticsNotification.type,
      (p) => p.uri === uri && p.version === version,
    );
    if (first) {
      await session.client.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'yaml', version, text },
      });
    } else {
      await session.client.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ text }],
      });
    }
    return next;
  }

  it('marks a bad deployment on the node at fault, with the spec parser’s words', async () => {
    const text = `deployments:
  api:
    model: runs:/abc/model
    colour: red
  scale:
    model: models:/churn/1
    replicas: { min: 3, max: 1 }
`;
    const published = await show(text);
    const found = published.diagnostics.map((d) => [d.message, d.range]);
    assert.deepEqual(found, [
      [
        "unknown field 'colour' in api",
        { start: at(text, 'colour'), end: at(text, 'colour', 'colour'.length) },
      ],
      [
        'api.model: use models:/<name>@<alias> or models:/<name>/<version>',
        { start: at(text, 'runs:/'), end: at(text, 'runs:/abc/model', 'runs:/abc/model'.length) },
      ],
    ]);
    const fixed = text.replace(
      '    model: runs:/abc/model\n    colour: red\n',
      '    model: models:/churn@champion\n',
    );
    const again = await show(fixed);
    assert.deepEqual(
      again.diagnostics.map((d) => [d.message, d.range.start]),
      [['scale.replicas: max (1) is below min (3)', at(fixed, 'replicas')]],
    );
  });

  it('completes field names, enum values and model URIs from the registry', async () => {
    const text = `deployments:
  api:
    model: models:/churn@champion
    runtime: 
    rep
  canary:
    model: 
  third:
    model: models:/churn/
`;
    await show(text);
    const complete = (position: { line: number; character: number }) =>
      session.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    const fields = labels(await complete(at(text, 'rep', 3)));
    for (const field of ['batching', 'model', 'replicas', 'rollback', 'routes', 'runtime']) {
      assert.ok(fields.includes(field), `${field} in ${fields.join(', ')}`);
    }
    assert.deepEqual(labels(await complete(at(text, 'runtime: ', 'runtime: '.length))), [
      'onnx',
      'proxy',
      'python',
    ]);
    assert.deepEqual(labels(await complete(at(text, 'model: ', 'model: '.length, 1))), [
      'models:/churn/2',
      'models:/churn@champion',
    ]);
    assert.deepEqual(labels(await complete(at(text, 'models:/churn/', 'models:/churn/'.length))), [
      'models:/churn/1',
      'models:/churn/2',
    ]);
  });

  it('hovers a model URI with the version it resolves to, and goes to its MLmodel', async () => {
    await show(DEPLOYMENTS);
    const hover = await session.client.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: at(DEPLOYMENTS, 'churn@champion', 2),
    });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*churn\*\* version 1/);
    assert.match(value, /aliases: `@champion`/);
    assert.match(value, /status: READY/);
    assert.match(value, /key metric: not evaluated/);
    const missing = await session.client.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: at(DEPLOYMENTS, 'churn/2', 2),
    });
    assert.match((missing?.contents as MarkupContent).value, /version 2/);
    const location = (await session.client.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: at(DEPLOYMENTS, 'churn@champion', 1),
    })) as Location | null;
    assert.ok(location);
    const file = fileURLToPath(location.uri);
    assert.equal(path.basename(file), 'MLmodel');
    assert.equal(fs.readFileSync(file, 'utf8'), MLMODEL);
    const none = await session.client.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: at(DEPLOYMENTS, 'runtime', 1),
    });
    assert.equal(none, null);
  });

  it('puts Deploy, Send test request and Open dashboard above each deployment', async () => {
    await show(DEPLOYMENTS);
    const lenses = await session.client.sendRequest(CodeLensRequest.type, {
      textDocument: { uri },
    });
    assert.deepEqual(
      lenses?.map((l) => [
        l.range.start.line,
        l.command?.title,
        l.command?.command,
        l.command?.arguments,
      ]),
      [
        [1, 'Deploy', 'sextant.deployments.up', [{ uri, name: 'api' }]],
        [1, 'Send test request', 'sextant.deployments.sendTestRequest', [{ uri, name: 'api' }]],
        [1, 'Open dashboard', 'sextant.deployments.openDashboard', [{ name: 'api' }]],
        [5, 'Deploy', 'sextant.deployments.up', [{ uri, name: 'canary' }]],
        [5, 'Send test request', 'sextant.deployments.sendTestRequest', [{ uri, name: 'canary' }]],
        [5, 'Open dashboard', 'sextant.deployments.openDashboard', [{ name: 'canary' }]],
      ],
    );
  });
});
