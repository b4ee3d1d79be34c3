import { SextantError } from '../model/errors';

/**
 * The deepest nesting of arrays and objects a request body may have. MLflow's messages nest a
 * few levels at most; a body nested deeper is refused before it is parsed, so that nothing
 * (the parser, a validator, an error message that prints the value) recurses through it.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `text` opens more than `max` arrays or objects inside one another (strings skipped). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Parses a JSON request body, or says in MLflow's error shape what is wrong with it. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') {
    throw new SextantError('MALFORMED_REQUEST', 'Request body is empty; send a JSON object.');
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new SextantError(
      'MALFORMED_REQUEST',
      `Request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; no MLflow request does.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SextantError(
      'MALFORMED_REQUEST',
      `Malformed JSON in request body: ${(error as Error).message}`,
    );
  }
}
