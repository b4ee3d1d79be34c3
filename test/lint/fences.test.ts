import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import { REPO } from '../support/server';

const RULE = 'import/no-restricted-paths';

/** Lints `code` as if it were the file at `file` (relative to the repository) with the repo's config. */
async function fenceMessages(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: REPO });
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe("the fences between core's capabilities (eslint.config.mjs)", () => {
  test("stop a capability reaching past another's front door", async () => {
    const messages = await fenceMessages(
      'core/src/pipelines/run/planted.ts',
      "import { SqliteTrackingStore } from '../../tracking/sqliteStore';\nexport const x = SqliteTrackingStore;\n",
    );
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0] ?? '', /pipelines uses tracking only through its front door/);
  });

  test('see on-demand imports written with .js, as the CLI writes them', async () => {
    const deep = await fenceMessages(
      'core/src/cli/planted.ts',
      "export const load = () => import('../server/app.js');\n",
    );
    assert.equal(deep.length, 1, deep.join('\n'));
    assert.match(deep[0] ?? '', /cli uses server only through its front door/);
    const door = await fenceMessages(
      'core/src/cli/planted.ts',
      "export const load = () => import('../server/index.js');\n",
    );
    assert.deepEqual(door, []);
  });

  test('let it in through the front door', async () => {
    const messages = await fenceMessages(
      'core/src/pipelines/run/planted.ts',
      "import { TrackingService } from '../../tracking';\nexport const x = TrackingService;\n",
    );
    assert.deepEqual(messages, []);
  });

  test('stop an import against the direction the list gives, even through the front door', async () => {
    const messages = await fenceMessages(
      'core/src/compute/planted.ts',
      "import { PipelineService } from '../pipelines';\nexport const x = PipelineService;\n",
    );
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0] ?? '', /compute does not depend on pipelines/);
  });

  test('leave imports inside a capability free, and model open to all', async () => {
    const messages = await fenceMessages(
      'core/src/tracking/planted.ts',
      "import { parseRunFilter } from './search/filter';\nimport { invalid } from '../model/errors';\nexport const x = [parseRunFilter, invalid];\n",
    );
    assert.deepEqual(messages, []);
  });

  test('keep the engine to the server and the CLI, and test helpers out of shipped code', async () => {
    const fromTracking = await fenceMessages(
      'core/src/tracking/planted.ts',
      "import { Engine } from '../engine';\nexport const x = Engine;\n",
    );
    assert.equal(fromTracking.length, 1, fromTracking.join('\n'));
    const fromServer = await fenceMessages(
      'core/src/server/planted.ts',
      "import { Engine } from '../engine';\nexport const x = Engine;\n",
    );
    assert.deepEqual(fromServer, []);
    const helper = await fenceMessages(
      'core/src/compute/planted.ts',
      "import { testStep } from '../testing/steps';\nexport const x = testStep;\n",
    );
    assert.equal(helper.length, 1, helper.join('\n'));
    const inTest = await fenceMessages(
      'core/src/compute/planted.test.ts',
      "import { testStep } from '../testing/steps';\nexport const x = testStep;\n",
    );
    assert.deepEqual(inTest, []);
  });
});
