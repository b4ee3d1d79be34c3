import Ajv from 'ajv';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readSchema } from './schema';
import { cachedValidator } from './schemaCache';

const OPTIONS = { allErrors: true, allowUnionTypes: true };

const SAMPLES: unknown[] = [
  { version: 1, pipelines: { p: { steps: { a: { run: 'echo hi' } } } } },
  { version: 2, pipeline: {}, pipelines: { 'bad name!': { steps: { a: { run: 3 } } } } },
  { version: 1, pipelines: { p: { steps: { a: { run: 'x', deps: 'notalist', extra: true } } } } },
];

describe('cachedValidator', () => {
  let dir: string;
  const schemaText = JSON.stringify(readSchema('pipeline'));
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-validators-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the code once and gives the errors ajv compiling the schema gives', () => {
    const direct = new Ajv(OPTIONS).compile(JSON.parse(schemaText) as object);
    const first = cachedValidator('pipeline', schemaText, OPTIONS, dir);
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    const written = fs.statSync(path.join(dir, files[0] as string)).mtimeMs;
    const second = cachedValidator('pipeline', schemaText, OPTIONS, dir);
    assert.deepEqual(fs.readdirSync(dir), files);
    assert.equal(fs.statSync(path.join(dir, files[0] as string)).mtimeMs, written);
    let invalid = 0;
    for (const sample of SAMPLES) {
      const valid = direct(sample);
      if (!valid) invalid++;
      assert.equal(first(sample), valid);
      assert.equal(second(sample), valid);
      assert.deepEqual(first.errors ?? null, direct.errors ?? null);
      assert.deepEqual(second.errors ?? null, direct.errors ?? null);
    }
    assert.equal(invalid, 2);
  });

  it('keys the code by the schema text: a changed schema gets code of its own', () => {
    cachedValidator('pipeline', schemaText, OPTIONS, dir);
    const changed = JSON.stringify({ ...readSchema('pipeline'), title: 'changed' });
    cachedValidator('pipeline', changed, OPTIONS, dir);
    assert.equal(fs.readdirSync(dir).length, 2);
  });

  it('replaces a damaged file and a file whose code asks for other modules', () => {
    cachedValidator('pipeline', schemaText, OPTIONS, dir);
    const file = path.join(dir, fs.readdirSync(dir)[0] as string);
    for (const bad of ['module.exports = (', 'module.exports = require("node:fs");']) {
      fs.writeFileSync(file, bad);
      const validate = cachedValidator('pipeline', schemaText, OPTIONS, dir);
      assert.equal(validate(SAMPLES[1]), false);
      assert.notEqual(fs.readFileSync(file, 'utf8'), bad);
    }
  });

  it('still validates when the cache folder cannot be written', () => {
    const blocked = path.join(dir, 'file');
    fs.writeFileSync(blocked, '');
    const validate = cachedValidator('pipeline', schemaText, OPTIONS, path.join(blocked, 'sub'));
    assert.equal(validate(SAMPLES[0]), true);
    assert.equal(validate(SAMPLES[1]), false);
    assert.deepEqual(fs.readdirSync(dir), ['file']);
  });
});
