import fs from 'node:fs';

/**
 * What a load found on disk: the text of each file it read (null when it could not be read) and
 * whether each path it looked for existed. The same answers mean the same result.
 */
export interface DiskInputs {
  reads: ReadonlyMap<string, string | null>;
  checks: ReadonlyMap<string, boolean>;
}

/** The text of a file now, or null when it cannot be read (as {@link DiskInputs} records it). */
export function readTextNow(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Whether the disk still answers as it did for `inputs` (every file read, every path checked). */
export function inputsUnchanged(inputs: DiskInputs): boolean {
  for (const [file, text] of inputs.reads) if (readTextNow(file) !== text) return false;
  for (const [file, existed] of inputs.checks) if (fs.existsSync(file) !== existed) return false;
  return true;
}
