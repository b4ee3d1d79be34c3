import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../engine';
import { openDatabase } from '../../store';
import type { LoadedPipelineFile } from '../api';
import { PipelineLoads } from './loadCache';

describe('loading pipeline files again', () => {
  it('reuses the last load while nothing it read changed, and sees each kind of change', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-reload-'));
    const engine = Engine.open({ storeDir: path.join(root, '.sextant') });
    try {
      const file = path.join(root, 'sextant.yaml');
      fs.writeFileSync(path.join(root, 'params.yaml'), 'train:\n  lr: 0.1\n');
      fs.writeFileSync(
        file,
        'steps:\n  train:\n    run: python train.py\n    params: [train.lr]\n    outs: [model.txt]\n',
      );
      const first = await engine.pipelines.loadFile(file);
      assert.match(first.diagnostics.map((d) => d.message).join('\n'), /script 'train\.py'/);
      assert.equal(await engine.pipelines.loadFile(file), first, 'nothing changed: the same load');
      assert.ok(Object.isFrozen(first.diagnostics[0]), 'a kept load is frozen');

      fs.writeFileSync(path.join(root, 'train.py'), 'print("hi")\n');
      const second = await engine.pipelines.loadFile(file);
      assert.notEqual(second, first, 'a script it looked for appeared');
      assert.deepEqual(second.diagnostics, []);
      assert.equal(second.pipelines[0]?.steps[0]?.params[0]?.value, 0.1);

      fs.writeFileSync(path.join(root, 'params.yaml'), 'train:\n  lr: 0.2\n');
      const third = await engine.pipelines.loadFile(file);
      assert.notEqual(third, second, 'a params file it read changed');
      assert.equal(third.pipelines[0]?.steps[0]?.params[0]?.value, 0.2);

      fs.appendFileSync(file, '  evaluate:\n    run: echo done\n');
      const fourth = await engine.pipelines.loadFile(file);
      assert.deepEqual(
        fourth.pipelines[0]?.steps.map((s) => s.name),
        ['train', 'evaluate'],
      );
      assert.equal(await engine.pipelines.loadFile(file), fourth);
    } finally {
      await engine.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps the last load in the store for the next process, while nothing it read changed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-kept-load-'));
    const storeDir = path.join(root, '.sextant');
    const file = path.join(root, 'sextant.yaml');
    fs.writeFileSync(path.join(root, 'params.yaml'), 'train:\n  lr: 0.1\n');
    fs.writeFileSync(
      file,
      'steps:\n  train:\n    run: echo train\n    params: [train.lr]\n    outs: [model.txt]\n',
    );
    const withEngine = async <T>(use: (engine: Engine) => Promise<T>): Promise<T> => {
      const engine = Engine.open({ storeDir });
      try {
        return await use(engine);
      } finally {
        await engine.close();
      }
    };
    const kept = (sql: string, ...args: unknown[]): void => {
      const db = new Database(path.join(storeDir, 'sextant.db'));
      try {
        db.prepare(sql).run(...args);
      } finally {
        db.close();
      }
    };
    const stepNames = (loaded: LoadedPipelineFile): string[] =>
      loaded.pipelines.flatMap((p) => p.steps.map((s) => s.name));
    try {
      const first = await withEngine((engine) => engine.pipelines.loadFile(file));
      assert.deepEqual(stepNames(first), ['train']);
      // The kept row is what the next process uses: renamed in the store, the step comes back so.
      kept(`UPDATE pipeline_loads SET loaded = replace(loaded, '"name":"train"', '"name":"kept"')`);
      const again = await withEngine((engine) => engine.pipelines.loadFile(file));
      assert.deepEqual(stepNames(again), ['kept'], 'the kept load was used');
      assert.ok(Object.isFrozen(again.pipelines[0]), 'a kept load is frozen');

      fs.writeFileSync(path.join(root, 'params.yaml'), 'train:\n  lr: 0.2\n');
      const changed = await withEngine((engine) => engine.pipelines.loadFile(file));
      assert.deepEqual(stepNames(changed), ['train'], 'a file it read changed: parsed again');
      assert.equal(changed.pipelines[0]?.steps[0]?.params[0]?.value, 0.2);

      kept(`UPDATE pipeline_loads SET loaded = replace(loaded, '"name":"train"', '"name":"kept"')`);
      fs.writeFileSync(path.join(root, 'notes.txt'), 'a path it did not look for\n');
      assert.deepEqual(stepNames(await withEngine((e) => e.pipelines.loadFile(file))), ['kept']);

      kept(`UPDATE pipeline_loads SET stamp = 'another build'`);
      assert.deepEqual(
        stepNames(await withEngine((e) => e.pipelines.loadFile(file))),
        ['train'],
        'a load kept by another build of the loader is not used',
      );

      kept(`UPDATE pipeline_loads SET loaded = '{not json'`);
      assert.deepEqual(stepNames(await withEngine((e) => e.pipelines.loadFile(file))), ['train']);

      fs.appendFileSync(file, '  broken: [\n');
      const broken = await withEngine((engine) => engine.pipelines.loadFile(file));
      assert.ok(
        broken.diagnostics.some((d) => d.severity === 'error'),
        'the change is seen',
      );

      fs.rmSync(file);
      assert.ok((await withEngine((engine) => engine.pipelines.prune())) >= 1);
      const db = new Database(path.join(storeDir, 'sextant.db'));
      try {
        const left = db.prepare('SELECT count(*) FROM pipeline_loads').pluck().get();
        assert.equal(left, 0, 'the load of a file that is gone is forgotten');
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the load cache unit', () => {
  it('hands every load to a loader it was given, keeping none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-loads-'));
    const db = openDatabase(dir, { create: true });
    try {
      const asked: string[] = [];
      const loads = new PipelineLoads(db, async (file) => {
        asked.push(file);
        return { file, pipelines: [], diagnostics: [] };
      });
      await loads.get('relative.sextant.yaml');
      await loads.get('relative.sextant.yaml');
      assert.deepEqual(asked, [
        path.resolve('relative.sextant.yaml'),
        path.resolve('relative.sextant.yaml'),
      ]);
      assert.equal(db.prepare('SELECT count(*) FROM pipeline_loads').pluck().get(), 0);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the last load of a file in memory and in the store, and forgets it once gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-loads-'));
    const db = openDatabase(dir, { create: true });
    try {
      const file = path.join(dir, 'sextant.yaml');
      fs.writeFileSync(file, 'steps:\n  a:\n    run: echo a\n');
      const loads = new PipelineLoads(db);
      const first = await loads.get(file);
      assert.deepEqual(
        first.pipelines[0]?.steps.map((s) => s.name),
        ['a'],
      );
      assert.equal(await loads.get(file), first, 'the same load while nothing changed');
      assert.ok(Object.isFrozen(first));
      const other = await new PipelineLoads(db).get(file);
      assert.deepEqual(other, first, 'another process finds it in the store');
      fs.rmSync(file);
      assert.equal(await loads.prune(), 1);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
