import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SextantError } from '../model/errors';
import { compileModelSearch, compileVersionSearch, PROMPT_TAG } from './search';
import { validateAlias, validateModelName, validateVersion } from './validation';

const invalid = (fn: () => unknown) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof SextantError && e.code === 'INVALID_PARAMETER_VALUE',
  );

describe('registry search', () => {
  it('binds every literal: the SQL text holds no value from the filter', () => {
    const evil = "x' OR 1=1; DROP TABLE model_versions; --";
    const compiled = compileVersionSearch(
      `name = '${evil.replace(/'/g, "''")}' AND tags.\`k'\` LIKE '%_'`,
      ['version_number DESC'],
    );
    assert.ok(!compiled.where.includes('DROP'));
    assert.ok(!compiled.where.includes("k'"));
    assert.deepEqual(compiled.params.slice(0, 3), [evil, "k'", '*?']);
  });

  it('leaves prompts out unless the filter asks for them, as MLflow does', () => {
    const models = compileModelSearch(`tags.\`${PROMPT_TAG}\` != 'true'`, []);
    assert.match(models.where, /m\.model_pk NOT IN \(SELECT model_pk FROM registered_model_tags/);
    assert.ok(!models.where.includes('EXISTS'));
    const prompts = compileModelSearch(`tags.\`${PROMPT_TAG}\` = 'true'`, []);
    assert.match(prompts.where, /m\.model_pk IN \(SELECT/);
    assert.match(compileVersionSearch(undefined, []).where, /v\.model_pk NOT IN/);
  });

  it('checks the prompt rule on the named model alone when a version search names one', () => {
    const named = compileVersionSearch("name = 'churn' AND tags.q = 'hi'", []).where;
    assert.match(
      named,
      /NOT \(EXISTS \(SELECT 1 FROM registered_model_tags pm\s+WHERE pm\.model_pk = m\.model_pk/,
    );
    assert.ok(!named.includes('UNION'));
    for (const filter of ["name LIKE 'churn%'", "name != 'churn'", "run_id = 'r1'"]) {
      assert.match(compileVersionSearch(filter, []).where, /v\.model_pk NOT IN \(SELECT/, filter);
    }
    const asked = compileVersionSearch(`name = 'p' AND tags.\`${PROMPT_TAG}\` = 'true'`, []);
    assert.match(asked.where, /AND \(EXISTS \(SELECT 1 FROM registered_model_tags pm/);
  });

  it('orders as MLflow: models by name, versions newest first, then name and number', () => {
    assert.equal(compileModelSearch(undefined, []).orderBy, 'm.name ASC');
    assert.equal(
      compileModelSearch(undefined, ['last_updated_timestamp DESC']).orderBy,
      'm.last_update_time DESC, m.name ASC',
    );
    assert.equal(
      compileVersionSearch(undefined, []).orderBy,
      'v.last_update_time DESC, m.name ASC, v.version DESC',
    );
  });

  it('refuses what the registry grammar does not have', () => {
    invalid(() => compileModelSearch("run_id = 'x'", []));
    invalid(() => compileModelSearch('metrics.acc > 1', []));
    invalid(() => compileModelSearch(undefined, ['name', 'name DESC']));
    invalid(() => compileVersionSearch("name = 'a' OR name = 'b'", []));
    invalid(() => compileVersionSearch('version_number > abc', []));
    invalid(() => compileVersionSearch(undefined, ['source_path']));
  });
});

describe('registry validation', () => {
  it("takes MLflow's names, versions and aliases", () => {
    assert.equal(validateModelName('churn model v2'), 'churn model v2');
    for (const bad of ['', ' ', 'a/b', 'a:b', '..', '.', 'a\\b', 'x'.repeat(300)]) {
      invalid(() => validateModelName(bad));
    }
    assert.equal(validateVersion('007'), '7');
    assert.equal(validateVersion(3), '3');
    for (const bad of ['-1', '1.5', 'one', '']) invalid(() => validateVersion(bad));
    assert.equal(validateAlias('champion_2-b'), 'champion_2-b');
    for (const bad of ['', 'Latest', 'v1', 'V22', 'a b', "a'", 'a%', 'x'.repeat(256)]) {
      invalid(() => validateAlias(bad));
    }
  });
});
