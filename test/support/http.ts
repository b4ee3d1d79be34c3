import assert from 'node:assert/strict';
import http from 'node:http';

/** A response read to the end. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request sent with node:http, so the path and the Host header go on the wire as written. */
export interface RawRequest {
  method?: string;
  /** Sent unnormalized: `../` and percent-escapes reach the server as they are. */
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
}

/** Sends one request on a fresh connection and reads the whole response. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: hostname,
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers,
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    // A server may answer (413, 401) and close before it has read the whole body; the answer counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(request.body);
  });
}

/** The parsed body of a JSON request through fetch, with its status. */
export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** GET (no body) or POST (JSON body) through fetch, parsing the answer when it is JSON. */
export async function api(
  baseUrl: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the caller checks `text`.
  }
  return { status: response.status, body: parsed, text };
}

/** POST that must succeed; returns the parsed body. */
export async function ok(
  baseUrl: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await api(baseUrl, path, body);
  assert.equal(response.status, 200, `${path} answered ${response.status}: ${response.text}`);
  return response.body;
}

/**
 * Asserts an MLflow error answer: the status, and a JSON body `{error_code, message}` with the
 * given code and a non-empty message. Returns the message.
 */
export function assertMlflowError(
  response: { status: number; text?: string; body: unknown },
  status: number,
  errorCode: string,
  context = '',
): string {
  const text = typeof response.body === 'string' ? response.body : (response.text ?? '');
  const where = `${context}${context ? ': ' : ''}`;
  assert.equal(
    response.status,
    status,
    `${where}expected ${status}, got ${response.status}: ${text}`,
  );
  let body: Record<string, unknown>;
  try {
    body = (
      typeof response.body === 'string' ? JSON.parse(response.body) : response.body
    ) as Record<string, unknown>;
  } catch {
    return assert.fail(`${where}the error body is not JSON: ${text}`);
  }
  assert.equal(body.error_code, errorCode, `${where}error_code in ${text}`);
  assert.equal(typeof body.message, 'string', `${where}message in ${text}`);
  assert.ok((body.message as string).length > 0, `${where}empty message`);
  return body.message as string;
}
