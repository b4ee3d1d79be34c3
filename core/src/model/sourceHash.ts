/**
 * The one source hash of a notebook cell (`CellExecution.sourceHash`): the SHA-256, as lowercase
 * hex, of the cell's source in UTF-8 after one normalisation, line ends to `\n` (`\r\n` and a lone
 * `\r` both become `\n`), so a notebook saved on Windows matches the record its cell made. The
 * store, both IDEs and the Python magics (`sextant/tracker.py`, `source_hash`) follow this rule;
 * a test checks the Python side against this one. Synchronous and without WebCrypto or
 * `node:crypto` (SHA-256 from `@noble/hashes`), so a browser page outside a secure context can
 * use it too.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/** The source as it is hashed: every line end `\n`. */
export function normalizeSource(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

/** The hash of a cell's source, as the store records it. */
export function sourceHash(source: string): string {
  return bytesToHex(sha256(utf8ToBytes(normalizeSource(source))));
}

/** True when a cell's `current` source is not the one its record was made from. */
export function changedSinceRun(record: { sourceHash: string }, current: string): boolean {
  return sourceHash(current) !== record.sourceHash;
}
