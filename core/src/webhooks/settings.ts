/**
 * How webhooks are checked and delivered. The defaults and the environment variables are
 * MLflow's, so a deployment configured for MLflow's server behaves the same on Sextant's.
 */
export interface WebhookSettings {
  /** URL schemes a webhook may use (`MLFLOW_WEBHOOK_ALLOWED_SCHEMES`, default `https`). */
  allowedSchemes: readonly string[];
  /**
   * Whether a webhook may reach loopback, private, link-local and other non-public addresses
   * (`MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS`, default false): for local development and tests only.
   */
  allowPrivateIps: boolean;
  /** Limit on each delivery attempt, in ms (`MLFLOW_WEBHOOK_REQUEST_TIMEOUT` seconds, default 30). */
  timeoutMs: number;
  /** Retries after a first attempt that timed out, failed to connect or got 429/5xx (default 3). */
  maxRetries: number;
  /** Backoff factor in ms: the n-th retry waits `backoffMs * 2^(n-1)`, capped, unless Retry-After says. */
  backoffMs: number;
  /** Longest wait between two attempts, in ms (60 s, as MLflow). */
  backoffMaxMs: number;
  /** Deliveries in flight at once (`MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS`, default 10). */
  maxConcurrent: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowedSchemes: ['https'],
  allowPrivateIps: false,
  timeoutMs: 30_000,
  maxRetries: 3,
  backoffMs: 1_000,
  backoffMaxMs: 60_000,
  maxConcurrent: 10,
};

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number, got '${raw}'`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const lower = raw.trim().toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new Error(`${name} must be true, false, 1 or 0, got '${raw}'`);
}

/** The settings that MLflow's environment variables give, over the defaults. */
export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const schemes = env.MLFLOW_WEBHOOK_ALLOWED_SCHEMES;
  const timeout = positiveInteger(env, 'MLFLOW_WEBHOOK_REQUEST_TIMEOUT');
  const retries = positiveInteger(env, 'MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES');
  const workers = positiveInteger(env, 'MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS');
  const allowPrivate = flag(env, 'MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS');
  return {
    ...DEFAULT_WEBHOOK_SETTINGS,
    ...(schemes?.trim()
      ? { allowedSchemes: schemes.split(',').map((s) => s.trim().toLowerCase()) }
      : {}),
    ...(allowPrivate !== undefined ? { allowPrivateIps: allowPrivate } : {}),
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(retries !== undefined ? { maxRetries: retries } : {}),
    ...(workers ? { maxConcurrent: workers } : {}),
  };
}
