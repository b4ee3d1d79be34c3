import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SextantError } from '../model/errors';
import { webhookSettingsFromEnv } from './settings';
import { checkWebhookUrl, isPublicAddress, publicOnlyLookup } from './ssrf';

const STRICT = { allowedSchemes: ['https'], allowPrivateIps: false };
const resolveTo =
  (...addresses: string[]) =>
  async (): Promise<string[]> =>
    addresses;

async function refusal(url: unknown, resolve = resolveTo('93.184.215.14')): Promise<string> {
  try {
    await checkWebhookUrl(url, STRICT, resolve);
  } catch (error) {
    assert.ok(error instanceof SextantError);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    return error.message;
  }
  assert.fail(`${String(url)} was accepted`);
}

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, shared, reserved and multicast addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '192.0.2.5',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '2001:db8::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '2002:7f00:1::',
      '2002:c0a8:101::1',
      '64:ff9b::a00:1',
      'not-an-ip',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
  });

  it('accepts public addresses, including public IPv4 inside IPv6 transition forms', () => {
    for (const address of [
      '8.8.8.8',
      '93.184.215.14',
      '172.32.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '2002:808:808::1',
      '64:ff9b::808:808',
    ]) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });
});

describe('checkWebhookUrl', () => {
  it('refuses schemes other than the allowed ones', async () => {
    assert.match(await refusal('http://example.com/h'), /Invalid webhook URL scheme: 'http'/);
    assert.match(await refusal('file:///etc/passwd'), /scheme: 'file'/);
    assert.match(await refusal('gopher://example.com/'), /scheme: 'gopher'/);
    assert.match(await refusal('javascript:alert(1)'), /scheme: 'javascript'/);
  });

  it('refuses empty and malformed URLs and non-strings', async () => {
    assert.match(await refusal('   '), /cannot be empty/);
    assert.match(await refusal('not a url'), /Invalid webhook URL 'not a url'/);
    assert.match(await refusal(42), /must be a string/);
  });

  it('refuses a host that resolves to any non-public address', async () => {
    assert.match(
      await refusal('https://hooks.example.com/x', resolveTo('8.8.8.8', '10.0.0.5')),
      /must not resolve to a non-public IP address. 'hooks.example.com' resolves to 10.0.0.5/,
    );
    assert.match(await refusal('https://127.0.0.1/x'), /resolves to 127.0.0.1/);
    assert.match(await refusal('https://[::1]:8443/x'), /resolves to ::1/);
    assert.match(await refusal('https://[::ffff:169.254.169.254]/x'), /non-public/);
    // legacy spellings are judged as the URL parser (and so the connection) reads them
    assert.match(await refusal('https://127.1/x'), /resolves to 127.0.0.1/);
    assert.match(await refusal('https://0x7f000001/x'), /resolves to 127.0.0.1/);
    assert.match(await refusal('https://2130706433/x'), /resolves to 127.0.0.1/);
    const failing = async (): Promise<string[]> => {
      throw new Error('ENOTFOUND');
    };
    assert.match(await refusal('https://nowhere.invalid/', failing), /Cannot resolve/);
  });

  it('accepts a public https URL, and loopback http with the escape hatch', async () => {
    await checkWebhookUrl('https://hooks.example.com/x', STRICT, resolveTo('93.184.215.14'));
    const open = webhookSettingsFromEnv({
      MLFLOW_WEBHOOK_ALLOWED_SCHEMES: 'http, https',
      MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'true',
    });
    const url = await checkWebhookUrl('http://127.0.0.1:8080/hook', open);
    assert.equal(url.port, '8080');
    await assert.rejects(checkWebhookUrl('ftp://127.0.0.1/', open), /scheme: 'ftp'/);
  });
});

describe('webhookSettingsFromEnv', () => {
  it("reads MLflow's variables and refuses nonsense", () => {
    const settings = webhookSettingsFromEnv({
      MLFLOW_WEBHOOK_REQUEST_TIMEOUT: '5',
      MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES: '0',
      MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS: '2',
    });
    assert.deepEqual(
      [settings.timeoutMs, settings.maxRetries, settings.maxConcurrent, settings.allowedSchemes],
      [5000, 0, 2, ['https']],
    );
    assert.equal(webhookSettingsFromEnv({}).allowPrivateIps, false);
    assert.throws(() => webhookSettingsFromEnv({ MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'yes' }));
    assert.throws(() => webhookSettingsFromEnv({ MLFLOW_WEBHOOK_REQUEST_TIMEOUT: '-1' }));
  });
});

describe('publicOnlyLookup', () => {
  it('refuses at connect time a name that resolves to loopback', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', {}, (e) => resolve(e)),
    );
    assert.equal(error?.code, 'ESSRF');
    assert.match(error?.message ?? '', /not a public IP address/);
  });
});
