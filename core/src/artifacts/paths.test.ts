import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { SextantError } from '../model/errors';
import { CVE_PAYLOADS } from './cvePayloads';
import {
  normalizeArtifactPath,
  parseArtifactUri,
  resolveArtifactPath,
  validateArtifactLocation,
  validateModelVersionSource,
} from './paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-paths-'));
const root = path.join(tmp, 'artifacts');
const outside = path.join(tmp, 'outside');
fs.mkdirSync(path.join(root, '1', 'run', 'artifacts'), { recursive: true });
fs.mkdirSync(outside);
fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refused = (run: () => unknown): void =>
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SextantError, `expected a SextantError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    return true;
  });

describe('CVE payloads', () => {
  for (const payload of CVE_PAYLOADS) {
    test(`${payload.cve}: refuses ${payload.description} (${payload.kind})`, () => {
      if (payload.kind === 'path') {
        refused(() => resolveArtifactPath(root, payload.input));
        refused(() => parseArtifactUri(`mlflow-artifacts:/1/run/artifacts/${payload.input}`));
      } else if (payload.kind === 'artifactLocation') {
        refused(() => validateArtifactLocation(payload.input));
        refused(() => parseArtifactUri(`${payload.input}/1/run/artifacts`));
      } else {
        refused(() => validateModelVersionSource(payload.input));
      }
    });
  }
});

describe('resolveArtifactPath', () => {
  test('maps relative paths inside the root, empty to the root', () => {
    assert.equal(resolveArtifactPath(root, ''), path.resolve(root));
    assert.equal(resolveArtifactPath(root, 'a/b.txt'), path.join(root, 'a', 'b.txt'));
    assert.equal(resolveArtifactPath(root, './a/./b/'), path.join(root, 'a', 'b'));
    assert.equal(resolveArtifactPath(root, 'a..b/c...d'), path.join(root, 'a..b', 'c...d'));
    assert.equal(resolveArtifactPath(root, '100%.txt'), path.join(root, '100%.txt'));
    assert.equal(resolveArtifactPath(root, 'a%20b'), path.join(root, 'a%20b'));
  });

  const badPaths: [string, string][] = [
    ['parent segment', '..'],
    ['inner parent segment', 'a/../../b'],
    ['absolute posix', '/etc/passwd'],
    ['drive letter', 'C:\\x'],
    ['UNC share', '\\\\host\\share'],
    ['backslash', 'a\\b'],
    ['NUL byte', 'a\0b'],
    ['encoded NUL', 'a%00b'],
    ['encoded slash at start', '%2fetc/passwd'],
    ['encoded slash inside a name', 'a%2fb'],
    ['mixed-case encoded dots', '%2E%2E/x'],
    ['dots then encoded slash', '..%2fx'],
    ['triple encoding', '%25252e%25252e%25252fx'],
    ['four levels of encoding', '%2525252e'],
    ['overlong UTF-8 dot', '%c0%ae%c0%ae/x'],
    ['file URI', 'file:///etc/passwd'],
    ['s3 URI', 's3://bucket/key'],
    ['http URI', 'http://host/x'],
    ['mlflow-artifacts with host', 'mlflow-artifacts://evil-host/1/x'],
    ['home directory', '~/.ssh/id_rsa'],
    ['home of another user', '~root/x'],
    ['query', 'a?/../../x'],
    ['fragment', 'a#/../../x'],
    ['empty inner segment', 'a//b'],
    ['newline', 'a\nb'],
    ['three dots', 'a/.../b'],
    ['dots and a space, trimmed to .. on Windows', '.. /x'],
    ['drive letter deeper down', 'a/C:/b'],
    ['NTFS alternate stream', 'model.pkl::$DATA'],
  ];
  for (const [name, input] of badPaths) {
    test(`refuses ${name}: ${JSON.stringify(input)}`, () =>
      refused(() => resolveArtifactPath(root, input)));
  }

  test('refuses an over-long path and a non-string', () => {
    refused(() => resolveArtifactPath(root, 'a/'.repeat(3000)));
    refused(() => resolveArtifactPath(root, 42 as unknown as string));
  });

  test('refuses a symlink that points outside the root, and paths beneath it', () => {
    fs.symlinkSync(outside, path.join(root, 'escape'));
    refused(() => resolveArtifactPath(root, 'escape'));
    refused(() => resolveArtifactPath(root, 'escape/secret.txt'));
    refused(() => resolveArtifactPath(root, 'escape/not/yet/there'));
  });

  test('refuses a dangling symlink', () => {
    fs.symlinkSync(path.join(outside, 'missing'), path.join(root, 'dangling'));
    refused(() => resolveArtifactPath(root, 'dangling/x'));
  });

  test('allows a symlink that stays inside the root', () => {
    fs.symlinkSync(path.join(root, '1'), path.join(root, 'alias'));
    assert.equal(resolveArtifactPath(root, 'alias/run'), path.join(root, 'alias', 'run'));
  });

  test('works when the root itself is reached through a symlink or does not exist yet', () => {
    const linkedRoot = path.join(tmp, 'linked-root');
    fs.symlinkSync(root, linkedRoot);
    assert.equal(resolveArtifactPath(linkedRoot, '1/run'), path.join(linkedRoot, '1', 'run'));
    const fresh = path.join(tmp, 'not', 'created');
    assert.equal(resolveArtifactPath(fresh, 'x/y'), path.join(fresh, 'x', 'y'));
  });
});

describe('normalizeArtifactPath', () => {
  test('returns a tidy posix relative path', () => {
    assert.equal(normalizeArtifactPath(''), '');
    assert.equal(normalizeArtifactPath('model/'), 'model');
    assert.equal(normalizeArtifactPath('./model/./MLmodel'), 'model/MLmodel');
  });
});

describe('parseArtifactUri', () => {
  test('accepts mlflow-artifacts:/ URIs and plain relative paths', () => {
    assert.deepEqual(parseArtifactUri('mlflow-artifacts:/1/abc/artifacts'), {
      experimentId: '1',
      relative: '1/abc/artifacts',
    });
    assert.deepEqual(parseArtifactUri('1/abc/artifacts/model'), {
      experimentId: '1',
      relative: '1/abc/artifacts/model',
    });
  });

  for (const uri of [
    'mlflow-artifacts://evil-host/1/abc',
    'mlflow-artifacts:///1/abc',
    'mlflow-artifacts:1/abc',
    'mlflow-artifacts:/',
    'mlflow-artifacts:/1/../2',
    'MLFLOW-ARTIFACTS:/1/abc',
    'file:///etc',
    's3://bucket/1',
    '',
  ]) {
    test(`refuses ${JSON.stringify(uri)}`, () => refused(() => parseArtifactUri(uri)));
  }
});

describe('validateArtifactLocation', () => {
  test('accepts empty (server chooses) and mlflow-artifacts:/ locations', () => {
    assert.equal(validateArtifactLocation(undefined), undefined);
    assert.equal(validateArtifactLocation(null), undefined);
    assert.equal(validateArtifactLocation(''), undefined);
    assert.equal(validateArtifactLocation('mlflow-artifacts:/7/'), 'mlflow-artifacts:/7');
  });

  for (const location of ['file:///etc/', '/tmp/x', 'relative/dir', 's3://b/p', 'http://h/x']) {
    test(`refuses ${location} with a message that says what to give`, () => {
      assert.throws(() => validateArtifactLocation(location), /mlflow-artifacts:\/<path>/);
    });
  }
});

describe('validateModelVersionSource', () => {
  test('accepts runs:/, models:/ and mlflow-artifacts:/ sources', () => {
    assert.equal(validateModelVersionSource('runs:/abc123/model'), 'runs:/abc123/model');
    assert.equal(validateModelVersionSource('models:/m-1a2b'), 'models:/m-1a2b');
    assert.equal(
      validateModelVersionSource('mlflow-artifacts:/1/abc/artifacts/model'),
      'mlflow-artifacts:/1/abc/artifacts/model',
    );
  });

  for (const source of ['/etc', 'etc/passwd', 'runs://x/y', 'runs:/../x', 'models:/', 'dbfs:/x']) {
    test(`refuses ${JSON.stringify(source)}`, () =>
      refused(() => validateModelVersionSource(source)));
  }
});
