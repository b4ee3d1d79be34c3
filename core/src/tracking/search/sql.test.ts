import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { SextantError } from '../../model/errors';
import { migrate } from '../../store';
import { compileExperimentSearch, compileRunSearch, likeToGlob } from './sql';

interface RunFixture {
  name: string;
  experiment?: number;
  user?: string;
  status?: string;
  start: number;
  end?: number;
  stage?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  metrics?: Record<string, number>;
  datasets?: { name: string; digest: string; context?: string }[];
}

/** Four runs in experiment 1 and one in experiment 2; names are what the tests compare. */
const RUNS: RunFixture[] = [
  {
    name: 'alpha',
    user: 'ann',
    status: 'FINISHED',
    start: 1000,
    end: 2000,
    params: { lr: '0.01', opt: 'Adam', 'a b': 'spaced' },
    tags: { team: 'vision', 'my tag': '50%_off' },
    metrics: { acc: 0.95, loss: 0.1 },
    datasets: [{ name: 'mnist', digest: 'd1', context: 'training' }],
  },
  {
    name: 'beta',
    user: 'bob',
    status: 'FAILED',
    start: 2000,
    params: { lr: '0.1', opt: 'adam' },
    tags: { team: 'nlp' },
    metrics: { acc: 0.5, loss: NaN },
    datasets: [
      { name: 'cifar', digest: 'd2', context: 'eval' },
      { name: 'mnist', digest: 'd3' },
    ],
  },
  {
    name: 'Gamma_1',
    user: 'ann',
    status: 'RUNNING',
    start: 3000,
    params: { lr: '0.01' },
    tags: { 'my tag': '50% off' },
    metrics: { acc: NaN, 'my metric': -1.5e-3 },
  },
  {
    name: 'delta',
    user: 'cy',
    status: 'FINISHED',
    start: 3000,
    end: 5000,
    stage: 'deleted',
    metrics: { acc: 0, loss: 0.3 },
  },
  { name: 'epsilon', experiment: 2, start: 500, params: { lr: '0.01' }, metrics: { acc: 0.99 } },
];

function createDb(): Database.Database {
  const db = new Database(':memory:');
  migrate(db);
  db.prepare("INSERT INTO experiments VALUES (1, 'one', '/a/1', 'active', 10, 20)").run();
  db.prepare("INSERT INTO experiments VALUES (2, 'two', '/a/2', 'active', 30, 40)").run();
  RUNS.forEach((run, i) => {
    const pk = i + 1;
    db.prepare(
      `INSERT INTO runs (run_pk, run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      pk,
      `uuid${pk}`,
      run.experiment ?? 1,
      run.name,
      run.user ?? '',
      run.status ?? 'FINISHED',
      run.start,
      run.end ?? null,
      `s3://bucket/${run.name}`,
      run.stage ?? 'active',
    );
    for (const [key, value] of Object.entries(run.params ?? {})) {
      db.prepare('INSERT INTO params VALUES (?, ?, ?)').run(pk, key, value);
    }
    for (const [key, value] of Object.entries({ ...run.tags, 'mlflow.runName': run.name })) {
      db.prepare('INSERT INTO tags VALUES (?, ?, ?)').run(pk, key, value);
    }
    for (const [key, value] of Object.entries(run.metrics ?? {})) {
      const nan = Number.isNaN(value);
      db.prepare(
        'INSERT INTO metric_series (run_pk, key, points, value, is_nan, step, timestamp) VALUES (?, ?, 1, ?, ?, 0, 0)',
      ).run(pk, key, nan ? 0 : value, nan ? 1 : 0);
    }
    for (const dataset of run.datasets ?? []) {
      const found = db
        .prepare('SELECT dataset_pk FROM datasets WHERE name = ? AND digest = ?')
        .pluck()
        .get(dataset.name, dataset.digest) as number | undefined;
      const datasetPk =
        found ??
        Number(
          db
            .prepare(
              "INSERT INTO datasets (experiment_id, name, digest, source_type, source) VALUES (1, ?, ?, 'local', 'x')",
            )
            .run(dataset.name, dataset.digest).lastInsertRowid,
        );
      const tags = dataset.context ? [{ key: 'mlflow.data.context', value: dataset.context }] : [];
      db.prepare('INSERT INTO run_inputs VALUES (?, ?, ?)').run(
        pk,
        datasetPk,
        JSON.stringify(tags),
      );
    }
  });
  db.prepare("INSERT INTO experiment_tags VALUES (1, 'owner', 'ann'), (2, 'owner', 'Bob')").run();
  return db;
}

describe('compileRunSearch on a real database', () => {
  let db: Database.Database;
  before(() => {
    db = createDb();
  });

  /** Runs the store's query shape over both experiments and all stages; returns run names in order. */
  function search(filter: string | undefined, orderBy?: string[]): string[] {
    const compiled = compileRunSearch(filter, orderBy);
    const sql = `SELECT r.name FROM runs r ${compiled.joins}
      WHERE (${compiled.where})
        AND r.experiment_id IN (SELECT value FROM json_each(?))
        AND r.lifecycle_stage IN (SELECT value FROM json_each(?))
      ORDER BY ${compiled.orderBy} LIMIT ? OFFSET ?`;
    return db
      .prepare(sql)
      .pluck()
      .all(...compiled.params, '[1,2]', '["active","deleted"]', 100, 0) as string[];
  }

  const set = (names: string[]): string[] => [...names].sort();

  const cases: [string, string[]][] = [
    ['', ['alpha', 'beta', 'delta', 'epsilon', 'Gamma_1']],
    ["params.lr = '0.01'", ['alpha', 'epsilon', 'Gamma_1']],
    ["params.lr != '0.01'", ['beta']],
    ["params.opt LIKE 'Ad%'", ['alpha']],
    ["params.opt ILIKE 'ad%'", ['alpha', 'beta']],
    ["params.opt LIKE 'ada_'", ['beta']],
    ["params.opt IN ('adam', 'sgd')", ['beta']],
    ["params.opt NOT IN ('adam')", ['alpha']],
    ['params.opt IS NULL', ['delta', 'epsilon', 'Gamma_1']],
    ['params.opt IS NOT NULL', ['alpha', 'beta']],
    ["params.`a b` = 'spaced'", ['alpha']],
    ['params."a b" = "spaced"', ['alpha']],
    ["tags.`my tag` LIKE '50%'", ['alpha', 'Gamma_1']],
    ["tags.`my tag` LIKE '50[%]%'", []],
    ["tags.`my tag` LIKE '%\\_off'", []],
    ["tags.team = 'vision' AND params.lr = '0.01'", ['alpha']],
    ['metrics.acc > 0.9', ['alpha', 'epsilon']],
    ['metrics.acc >= 0', ['alpha', 'beta', 'delta', 'epsilon']],
    ['metrics.acc = 0', ['delta']],
    ['metrics.acc <= 0.5', ['beta', 'delta']],
    ['metrics.acc != 0.5', ['alpha', 'delta', 'epsilon', 'Gamma_1']],
    ['metrics.acc != 0', ['alpha', 'beta', 'epsilon', 'Gamma_1']],
    ['metrics.loss < 1', ['alpha', 'delta']],
    ['metrics.`my metric` < -1e-3', ['Gamma_1']],
    ['metrics.acc IS NULL', []],
    ['metrics.loss IS NULL', ['epsilon', 'Gamma_1']],
    ["params.lr = '0.01' AND metrics.acc > 0.9", ['alpha', 'epsilon']],
    ["params.lr = '0.01' AND metrics.acc > 0.9 AND tags.team = 'vision'", ['alpha']],
    ["run_id = 'uuid2'", ['beta']],
    ["attributes.run_uuid IN ('uuid1', 'uuid3')", ['alpha', 'Gamma_1']],
    ["run_id NOT IN ('uuid1', 'uuid3')", ['beta', 'delta', 'epsilon']],
    ["run_name = 'alpha'", ['alpha']],
    ["`Run Name` ILIKE 'GAMMA%'", ['Gamma_1']],
    ["tags.mlflow.runName LIKE 'Gamma\\_%'", []],
    ["tags.mlflow.runName LIKE 'Gamma_%'", ['Gamma_1']],
    ["tags.mlflow.runName IN ('beta')", ['beta']],
    ["status = 'FINISHED'", ['alpha', 'delta', 'epsilon']],
    ["attr.user_id != 'ann'", ['beta', 'delta', 'epsilon']],
    ['start_time >= 2000', ['beta', 'delta', 'Gamma_1']],
    ['created < 1000', ['epsilon']],
    ['end_time > 0', ['alpha', 'delta']],
    ["artifact_uri LIKE 's3://bucket/%a'", ['alpha', 'beta', 'delta']],
    ["lifecycle_stage = 'deleted'", ['delta']],
    ["datasets.name = 'mnist'", ['alpha', 'beta']],
    ["datasets.name != 'mnist'", ['beta']],
    ["datasets.digest IN ('d1', 'd2')", ['alpha', 'beta']],
    ["datasets.context = 'training'", ['alpha']],
    ["datasets.context ILIKE 'EV%'", ['beta']],
    ["datasets.name = 'mnist' AND datasets.context = 'eval'", ['beta']],
    ["params.lr = '0.01' AND params.opt IS NULL AND status != 'RUNNING'", ['epsilon']],
  ];
  for (const [filter, expected] of cases) {
    it(`filters ${JSON.stringify(filter)}`, () =>
      assert.deepEqual(set(search(filter)), set(expected)));
  }

  it('orders by start time, newest first, then run id by default', () => {
    assert.deepEqual(search(undefined), ['Gamma_1', 'delta', 'beta', 'alpha', 'epsilon']);
  });

  it('orders metrics numerically with NaN, then missing, last in both directions', () => {
    assert.deepEqual(search('', ['metrics.loss DESC']), [
      'delta',
      'alpha',
      'beta',
      'Gamma_1',
      'epsilon',
    ]);
    assert.deepEqual(search('', ['metrics.loss']), [
      'alpha',
      'delta',
      'beta',
      'Gamma_1',
      'epsilon',
    ]);
    assert.deepEqual(search('', ['metrics.acc DESC']), [
      'epsilon',
      'alpha',
      'beta',
      'delta',
      'Gamma_1',
    ]);
  });

  it('orders params and tags as strings with missing ones last', () => {
    assert.deepEqual(search('', ['params.opt DESC']), [
      'beta',
      'alpha',
      'Gamma_1',
      'delta',
      'epsilon',
    ]);
    assert.deepEqual(search('params.lr IS NOT NULL', ['params.lr', 'run_name DESC']), [
      'epsilon',
      'alpha',
      'Gamma_1',
      'beta',
    ]);
    assert.deepEqual(search('', ['tags.team']), ['beta', 'alpha', 'Gamma_1', 'delta', 'epsilon']);
  });

  it('orders by attributes, with a missing end time last', () => {
    assert.deepEqual(search('', ['start_time ASC']), [
      'epsilon',
      'alpha',
      'beta',
      'Gamma_1',
      'delta',
    ]);
    assert.deepEqual(search('', ['end_time DESC', 'run_name']), [
      'delta',
      'alpha',
      'Gamma_1',
      'beta',
      'epsilon',
    ]);
    assert.deepEqual(search('', ['tags.mlflow.runName DESC']), [
      'epsilon',
      'delta',
      'beta',
      'alpha',
      'Gamma_1',
    ]);
  });

  it('binds every literal and key instead of writing it into the SQL', () => {
    const hostile = "x' OR 1=1; DROP TABLE runs; --";
    const compiled = compileRunSearch(
      `params.\`${hostile}\` = "${hostile}" AND datasets.name = "${hostile}"`,
      [`tags.\`${hostile}\` DESC`],
    );
    for (const text of [compiled.joins, compiled.where, compiled.orderBy]) {
      assert.ok(!text.includes('DROP'), text);
    }
    assert.deepEqual(compiled.params, [hostile, hostile, hostile, hostile]);
    assert.deepEqual(search(`params.\`${hostile}\` = "${hostile}"`), []);
  });

  it('puts join parameters before where parameters', () => {
    const compiled = compileRunSearch("params.lr = '0.01'", ['metrics.acc DESC', 'tags.team']);
    assert.match(compiled.joins, /^LEFT JOIN metric_series o0 .* LEFT JOIN tags o1 /);
    assert.deepEqual(compiled.params, ['acc', 'team', 'lr', '0.01']);
    assert.match(compiled.orderBy, /r\.start_time DESC, r\.run_uuid ASC$/);
    assert.equal(compileRunSearch(undefined, undefined).where, '1');
  });

  it('either rejects a filter or compiles it to SQL that runs', () => {
    const identifiers = ['metrics.a', 'params.`x y`', 'tags.t', 'status', 'start_time', 'end_time'];
    const more = ['datasets.context', 'datasets.name', 'run_id', 'tags.mlflow.runName', '(', "'"];
    const operators = ['=', '!=', '<', '>=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT'];
    const values = ["'v'", '"w"', '1', '-2.5e3', "('a', 'b')", '()', "'%_[*?'", '`', ',', ''];
    const joiners = ['AND', 'AND', 'AND', 'and', 'OR', ''];
    let seed = 7;
    const pick = (from: string[]): string => {
      seed = (seed * 48271) % 2147483647;
      return from[seed % from.length] as string;
    };
    let valid = 0;
    for (let i = 0; i < 2000; i++) {
      const clauses = Array.from({ length: 1 + (i % 3) }, () =>
        [pick([...identifiers, ...identifiers, ...more]), pick(operators), pick(values)].join(' '),
      );
      const filter = clauses.reduce((all, clause) => `${all} ${pick(joiners)} ${clause}`);
      try {
        search(filter, [pick(['metrics.a DESC', 'params.`x y`', 'end_time', 'run_name'])]);
        valid++;
      } catch (error) {
        assert.ok(error instanceof SextantError, `${filter}: ${String(error)}`);
        assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
      }
    }
    assert.ok(valid > 50, `only ${valid} of the random filters were valid`);
  });
});

describe('compileExperimentSearch on a real database', () => {
  let db: Database.Database;
  before(() => {
    db = createDb();
    db.prepare("INSERT INTO experiments VALUES (3, 'Prod-three', '/a/3', 'active', 30, 50)").run();
  });

  function search(filter: string | undefined, orderBy?: string[]): string[] {
    const compiled = compileExperimentSearch(filter, orderBy);
    return db
      .prepare(
        `SELECT e.name FROM experiments e WHERE (${compiled.where}) ORDER BY ${compiled.orderBy}`,
      )
      .pluck()
      .all(...compiled.params) as string[];
  }

  it('filters by attributes and tags', () => {
    assert.deepEqual(search("name = 'one'"), ['one']);
    assert.deepEqual(search("name LIKE 'prod%'"), []);
    assert.deepEqual(search("name ILIKE 'prod%'"), ['Prod-three']);
    assert.deepEqual(search('creation_time >= 30 AND last_update_time < 45'), ['two']);
    assert.deepEqual(search("experiment_id IN ('1', '3')"), ['Prod-three', 'one']);
    assert.deepEqual(search("tags.owner = 'ann'"), ['one']);
    assert.deepEqual(search("tags.owner ILIKE 'b%'"), ['two']);
    assert.deepEqual(search('tags.owner IS NULL'), ['Prod-three']);
  });

  it('orders by creation time, newest first, then id ascending by default', () => {
    assert.deepEqual(search(undefined), ['two', 'Prod-three', 'one']);
    assert.equal(
      compileExperimentSearch(undefined, undefined).orderBy,
      'e.creation_time DESC, e.experiment_id ASC',
    );
  });

  it('breaks ties by experiment id descending when ordering by other keys', () => {
    assert.deepEqual(search(undefined, ['creation_time']), ['one', 'Prod-three', 'two']);
    assert.deepEqual(search(undefined, ['name DESC']), ['two', 'one', 'Prod-three']);
    assert.deepEqual(search(undefined, ['experiment_id']), ['one', 'two', 'Prod-three']);
  });
});

describe('likeToGlob', () => {
  it('maps wildcards and escapes GLOB syntax', () => {
    assert.equal(likeToGlob('a%b_c*d?e[f]'), 'a*b?c[*]d[?]e[[]f]');
  });
});
