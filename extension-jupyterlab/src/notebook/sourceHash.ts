/** Whether a cell's source is still the one a record was made from (the record keeps its sha256). */

/** sha256 of `text` (UTF-8) as lowercase hex, as the store computes `sourceHash`. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * True when `current` differs from the source the record was made from. Compares hashes where
 * the page has WebCrypto (a secure context such as localhost or HTTPS), else the sources.
 */
export async function changedSinceRun(
  record: { source: string; sourceHash: string },
  current: string,
): Promise<boolean> {
  if (typeof crypto !== 'undefined' && crypto.subtle) {
    return (await sha256Hex(current)) !== record.sourceHash;
  }
  return current !== record.source;
}
