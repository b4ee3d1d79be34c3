import { badRequest, ServingError } from './errors';

/** The input keys of MLflow's scoring protocol. */
export const MLFLOW_INPUT_KEYS = [
  'dataframe_split',
  'dataframe_records',
  'instances',
  'inputs',
] as const;

/**
 * The worker item (its JSON text) of a body posted to `/invocations`, as MLflow's scoring server
 * reads it: JSON with exactly one of {@link MLFLOW_INPUT_KEYS} (and optional `params`), or CSV.
 * @throws ServingError 400 for a body that is no such input, 415 for another content type.
 */
export function invocationItem(contentType: string | undefined, body: string): string {
  const [mime = '', ...rest] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = rest.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset && charset !== 'utf-8') {
    throw new ServingError(415, 'The scoring server only supports UTF-8');
  }
  if (mime === 'text/csv') return `{"csv":${JSON.stringify(body)}}`;
  if (mime !== 'application/json') {
    throw new ServingError(
      415,
      `This predictor only supports the following content types: application/json, text/csv. Got '${contentType ?? ''}'.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(
      `the body must be a JSON object with one of the keys ${MLFLOW_INPUT_KEYS.join(', ')}`,
    );
  }
  const keys = Object.keys(parsed).filter((k) =>
    (MLFLOW_INPUT_KEYS as readonly string[]).includes(k),
  );
  if (keys.length !== 1) {
    throw badRequest(
      `the body must have exactly one of the keys ${MLFLOW_INPUT_KEYS.join(', ')}; it has ${
        Object.keys(parsed).join(', ') || 'none'
      }`,
    );
  }
  return `{"mlflow":${body}}`;
}
