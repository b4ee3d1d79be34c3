import path from 'node:path';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a duration: a number of seconds, or text such as `90s`, `30m`, `1h30m`, `2d`. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/\s+/g, '');
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d)?)+$/.test(compact)) return undefined;
  let total = 0;
  for (const match of compact.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)?/g)) {
    total += Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
  }
  return total;
}

const UNIT_MIB: Record<string, number> = {
  k: 1 / 1024,
  m: 1,
  g: 1024,
  t: 1024 * 1024,
};

/** MiB of a memory size: a number of MiB, or text such as `512Mi`, `4Gi`, `2G`, `800MB`. */
export function parseMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])?i?b?\s*$/i.exec(value);
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * (UNIT_MIB[(match[2] ?? 'm').toLowerCase()] ?? 1));
}

/**
 * A user-written path as a normalised POSIX path relative to the workspace root, or undefined
 * when it is absolute or leaves the root (`../x`). `base` is the folder it is relative to,
 * itself root-relative.
 */
export function workspacePath(written: string, base = '.'): string | undefined {
  const trimmed = written.trim().replace(/\\/g, '/');
  if (trimmed === '' || path.posix.isAbsolute(trimmed) || /^[A-Za-z]:/.test(trimmed))
    return undefined;
  const joined = path.posix.normalize(path.posix.join(base, trimmed)).replace(/\/+$/, '');
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return joined === '' ? '.' : joined;
}

/** Whether root-relative path `inner` is `outer` or lies inside it. */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === '.') return true;
  return inner === outer || inner.startsWith(`${outer}/`);
}
