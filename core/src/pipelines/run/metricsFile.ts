import fs from 'node:fs/promises';
import type YAML from 'yaml';

/** The YAML parser, loaded for the first YAML metrics file: most runs never read one. */
function yaml(): typeof YAML {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, synchronous
  return require('yaml') as typeof YAML;
}

/** Flattens nested numbers into dotted keys: `{eval: {acc: 0.9}}` → `eval.acc = 0.9`. */
export function flattenMetrics(value: unknown, prefix = '', into: Record<string, number> = {}) {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (prefix) into[prefix] = value;
  } else if (typeof value === 'boolean') {
    if (prefix) into[prefix] = value ? 1 : 0;
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      flattenMetrics(inner, prefix ? `${prefix}.${key}` : key, into);
    }
  }
  return into;
}

/**
 * Reads a metrics file a step wrote (JSON or YAML, flat or nested) into dotted keys and numbers;
 * anything that is not a number is left out. A file that does not parse is an error that names it.
 */
export async function readMetricsFile(file: string): Promise<Record<string, number>> {
  const text = await fs.readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  } catch (error) {
    throw new Error(`metrics file ${file} is not valid JSON/YAML: ${(error as Error).message}`);
  }
  return flattenMetrics(parsed);
}
