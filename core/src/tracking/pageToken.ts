import { invalid } from '../model/errors';

/** Opaque paging tokens: base64 of `{"offset": n}`, as MLflow's are. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    const offset = (parsed as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw invalid(
    `Invalid page token ${JSON.stringify(token)}: pass back the next_page_token of a previous page`,
  );
}

/** Cuts `limit + 1` fetched rows into a page and the token of the next one. */
export function toPage<T>(
  rows: T[],
  offset: number,
  limit: number,
): { items: T[]; nextPageToken?: string } {
  if (rows.length > limit) {
    return { items: rows.slice(0, limit), nextPageToken: encodePageToken(offset + limit) };
  }
  return { items: rows };
}
