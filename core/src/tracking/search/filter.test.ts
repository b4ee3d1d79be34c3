import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SextantError } from '../../model/errors';
import { parseExperimentFilter, parseRunFilter, tokenize } from './filter';
import { parseExperimentOrderBy, parseRunOrderBy } from './orderBy';

/** Asserts that `fn` throws INVALID_PARAMETER_VALUE with a message matching `pattern`. */
function assertInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SextantError, `expected a SextantError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('parseRunFilter', () => {
  it('reads nothing from an empty or blank filter', () => {
    assert.deepEqual(parseRunFilter(undefined), []);
    assert.deepEqual(parseRunFilter(''), []);
    assert.deepEqual(parseRunFilter('   '), []);
  });

  it('parses AND-ed metric, param and tag clauses, AND in any case', () => {
    assert.deepEqual(
      parseRunFilter('metrics.acc >= 0.9 and params.lr = \'0.01\' AnD tags.team != "nlp"'),
      [
        { kind: 'metric', key: 'acc', test: { type: 'number', op: '>=', value: 0.9 } },
        { kind: 'param', key: 'lr', test: { type: 'string', op: '=', value: '0.01' } },
        { kind: 'tag', key: 'team', test: { type: 'string', op: '!=', value: 'nlp' } },
      ],
    );
  });

  it('reads negative, float and scientific numbers, with or without spaces', () => {
    const values = ['metrics.a>-1', 'metrics.a < .5', 'metrics.a<=1e-3', 'metrics.a = -2.5E+2'].map(
      (filter) => {
        const [clause] = parseRunFilter(filter);
        return clause?.kind === 'metric' && clause.test.type === 'number' ? clause.test.value : NaN;
      },
    );
    assert.deepEqual(values, [-1, 0.5, 0.001, -250]);
  });

  it('accepts every entity alias and quoted or dotted keys', () => {
    const keys = parseRunFilter(
      [
        'metric.`my metric` > 1',
        'params."a b" = \'x\'',
        "param.model.lr = 'x'",
        "parameters.p = 'x'",
        "tag.mlflow.user = 'x'",
        'metrics.train/loss < 1',
      ].join(' AND '),
    ).map((c) => ('key' in c ? `${c.kind}:${c.key}` : c.kind));
    assert.deepEqual(keys, [
      'metric:my metric',
      'param:a b',
      'param:model.lr',
      'param:p',
      'tag:mlflow.user',
      'metric:train/loss',
    ]);
  });

  it('resolves attribute prefixes and aliases to canonical names', () => {
    const names = parseRunFilter(
      [
        "attributes.run_id = 'a'",
        "attribute.run_uuid IN ('a', 'b')",
        "attr.status = 'FINISHED'",
        "run.user_id LIKE 'a%'",
        'created > 5',
        "`Run name` = 'x'",
        '"run name" = \'x\'',
        'end_time <= 10',
        "artifact_uri ILIKE '%S3%'",
        "lifecycle_stage = 'active'",
        "run_name != 'x'",
      ].join(' AND '),
    ).map((c) => (c.kind === 'attribute' ? c.name : c.kind));
    assert.deepEqual(names, [
      'run_id',
      'run_id',
      'status',
      'user_id',
      'start_time',
      'run_name',
      'run_name',
      'end_time',
      'artifact_uri',
      'lifecycle_stage',
      'run_name',
    ]);
  });

  it('treats tags.mlflow.runName as the run name', () => {
    assert.deepEqual(parseRunFilter("tags.mlflow.runName LIKE 'a%'"), [
      { kind: 'attribute', name: 'run_name', test: { type: 'string', op: 'LIKE', value: 'a%' } },
    ]);
    assert.deepEqual(parseRunFilter('tags.`mlflow.runName` IS NULL'), [
      { kind: 'attribute', name: 'run_name', test: { type: 'string', op: '=', value: '' } },
    ]);
  });

  it('parses IN, NOT IN, IS NULL and IS NOT NULL', () => {
    assert.deepEqual(
      parseRunFilter(
        "params.opt IN ('adam', \"sgd\") AND tags.t not in ('x') AND metrics.m IS NULL AND params.p is not null",
      ).map((c) => c.test),
      [
        { type: 'list', op: 'IN', values: ['adam', 'sgd'] },
        { type: 'list', op: 'NOT IN', values: ['x'] },
        { type: 'presence', op: 'IS NULL' },
        { type: 'presence', op: 'IS NOT NULL' },
      ],
    );
  });

  it('parses dataset fields', () => {
    assert.deepEqual(
      parseRunFilter(
        "datasets.name = 'mnist' AND dataset.digest IN ('d1') AND datasets.context LIKE 'tr%'",
      ).map((c) => (c.kind === 'dataset' ? c.field : c.kind)),
      ['name', 'digest', 'context'],
    );
  });

  it('unescapes doubled and backslashed quotes in strings', () => {
    const [a, b] = parseRunFilter("params.a = 'it''s' AND params.b = 'it\\'s'");
    assert.deepEqual(
      [a?.test, b?.test],
      [
        { type: 'string', op: '=', value: "it's" },
        { type: 'string', op: '=', value: "it's" },
      ],
    );
  });

  it('rejects OR with a hint', () => {
    assertInvalid(
      () => parseRunFilter("metrics.a > 1 OR params.b = 'x'"),
      /Invalid clause\(s\) in filter string: 'OR params\.b = 'x'': OR is not supported; join clauses with AND/,
    );
  });

  const invalidFilters: [string, RegExp][] = [
    ["foo = 'x'", /Invalid attribute key 'foo'.*Valid keys are run_id/],
    ["attributes.experiment_id = '1'", /Invalid attribute key 'experiment_id'/],
    ['metricz.a = 1', /Invalid entity type 'metricz'.*Valid values are metric, metrics/],
    ["datasets.source = 'x'", /valid dataset fields are name, digest and context/],
    ["params.a = 'x", /unterminated quoted text 'x\. Close it with '/],
    ['metrics.`a > 1', /unterminated quoted text `a > 1/],
    ["metrics.acc = 'high'", /metric 'acc' must be compared with a number/],
    ['params.lr = 0.01', /param 'lr' must be compared with a quoted string/],
    ["start_time = 'yesterday'", /attribute 'start_time' must be compared with a number/],
    ["status > 'A'", /attribute 'status' supports =, !=, LIKE, ILIKE, IN, NOT IN, not >/],
    ["metrics.acc LIKE '1%'", /metric 'acc' supports =, !=, <, <=, >, >= with a number, not LIKE/],
    ["params.lr < '1'", /param 'lr' supports =, !=, LIKE, ILIKE, IN, NOT IN, not </],
    ["params.a = 'x' params.b = 'y'", /'params\.b = 'y'': expected AND or the end of the filter/],
    ["params.a = 'x' AND", /'<end of filter>': expected an identifier/],
    ["params.a = 'x' garbage", /'garbage': expected AND or the end of the filter/],
    ['params.a IN ()', /the list is empty/],
    ["params.a IN 'x'", /expected a parenthesized list/],
    ['params.a IN (1)', /expected a quoted string in the list/],
    ["params.a IN ('x' 'y')", /expected ',' or '\)' in the list/],
    ["params.a == 'x'", /'== 'x'': expected a comparator after 'params\.a'/],
    ["params.a <> 'x'", /expected a comparator/],
    ["params.a NOT LIKE 'x'", /expected a comparator/],
    ['params.a IS 5', /expected NULL or NOT NULL after IS/],
    ['metrics.a >', /expected a value after 'metrics\.a >'/],
    ["(params.a = 'x')", /'\(params\.a = 'x'\)': expected an identifier/],
    ["params. = 'x'", /'params\.' needs a key after the dot/],
    ['metrics.a > 1x', /cannot read a value at '1x'/],
    ["params.a = 'x'; DROP TABLE runs", /unexpected character ';'/],
    ['status IS NULL', /attribute 'status' supports .* not IS NULL/],
    ["datasets.name > 'x'", /dataset name supports =, !=, LIKE, ILIKE, IN, NOT IN, not >/],
  ];
  for (const [filter, pattern] of invalidFilters) {
    it(`rejects ${filter}`, () => assertInvalid(() => parseRunFilter(filter), pattern));
  }
});

describe('parseExperimentFilter', () => {
  it('parses attributes and tags', () => {
    assert.deepEqual(
      parseExperimentFilter("name LIKE 'prod%' AND creation_time > 5 AND tags.owner = 'ann'"),
      [
        { kind: 'attribute', name: 'name', test: { type: 'string', op: 'LIKE', value: 'prod%' } },
        { kind: 'attribute', name: 'creation_time', test: { type: 'number', op: '>', value: 5 } },
        { kind: 'tag', key: 'owner', test: { type: 'string', op: '=', value: 'ann' } },
      ],
    );
  });

  it('rejects run entities and unknown attributes', () => {
    assertInvalid(() => parseExperimentFilter('metrics.a > 1'), /Invalid entity type 'metrics'/);
    assertInvalid(() => parseExperimentFilter("status = 'x'"), /Invalid attribute key 'status'/);
    assertInvalid(
      () => parseExperimentFilter("experiment_id LIKE '1%'"),
      /experiment_id supports =, !=, IN, NOT IN/,
    );
  });
});

describe('parseRunOrderBy', () => {
  it('parses keys and directions, ascending by default', () => {
    assert.deepEqual(
      parseRunOrderBy([
        'metrics.acc DESC',
        'params.lr',
        'attributes.start_time asc',
        'run_name',
        'tags.`my tag` Desc',
      ]),
      [
        { kind: 'metric', key: 'acc', ascending: false },
        { kind: 'param', key: 'lr', ascending: true },
        { kind: 'attribute', name: 'start_time', ascending: true },
        { kind: 'attribute', name: 'run_name', ascending: true },
        { kind: 'tag', key: 'my tag', ascending: false },
      ],
    );
    assert.deepEqual(parseRunOrderBy(['tags.mlflow.runName DESC']), [
      { kind: 'attribute', name: 'run_name', ascending: false },
    ]);
  });

  it('rejects bad clauses', () => {
    assertInvalid(() => parseRunOrderBy(['metrics.acc DOWN']), /'DOWN' is not ASC or DESC/);
    assertInvalid(
      () => parseRunOrderBy(['metrics.acc DESC x']),
      /one identifier optionally followed/,
    );
    assertInvalid(() => parseRunOrderBy(['']), /one identifier optionally followed/);
    assertInvalid(() => parseRunOrderBy(['bogus']), /Invalid attribute key 'bogus'/);
    assertInvalid(() => parseRunOrderBy(['datasets.name']), /Invalid entity type 'datasets'/);
    assertInvalid(() => parseRunOrderBy(['metrics.a', 'metrics.a DESC']), /duplicate fields/);
  });
});

describe('parseExperimentOrderBy', () => {
  it('parses attributes only', () => {
    assert.deepEqual(parseExperimentOrderBy(['name DESC', 'attributes.experiment_id']), [
      { name: 'name', ascending: false },
      { name: 'experiment_id', ascending: true },
    ]);
    assertInvalid(() => parseExperimentOrderBy(['tags.x']), /Invalid entity type 'tags'/);
  });
});

describe('tokenize', () => {
  it('keeps source positions for error messages', () => {
    const tokens = tokenize("metrics.acc > 1 AND params.`a b` = 'x'", 'filter string');
    assert.deepEqual(
      tokens.map((t) => [t.t, t.start, t.end]),
      [
        ['ident', 0, 11],
        ['op', 12, 13],
        ['number', 14, 15],
        ['ident', 16, 19],
        ['ident', 20, 32],
        ['op', 33, 34],
        ['string', 35, 38],
      ],
    );
  });
});
