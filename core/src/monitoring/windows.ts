/**
 * Monitoring windows of the inference log: a time window (the requests of a span of time) or a
 * count window (a number of consecutive requests). Scheduled checks walk tumbling windows, each
 * starting where the last checked one ended; an on-demand check takes the latest window.
 */
import { invalid } from '../model/errors';

/** How a monitor cuts the inference log. */
export type WindowSize = { kind: 'time'; ms: number } | { kind: 'count'; requests: number };

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * `1h`, `15m`, `30s`, `500ms`, `1d` (a time window) or a whole number of requests (`1000`).
 * @throws SextantError INVALID_PARAMETER_VALUE for anything else.
 */
export function parseWindow(text: string | number): WindowSize {
  const word = String(text).trim();
  if (/^\d+$/.test(word)) {
    const requests = Number(word);
    if (requests < 1 || requests > 100_000_000) {
      throw invalid(`window '${word}': give between 1 and 100000000 requests`);
    }
    return { kind: 'count', requests };
  }
  const ms = parseDurationMs(word);
  if (ms === undefined) {
    throw invalid(`window '${word}' is neither a duration (30s, 15m, 1h, 1d) nor a request count`);
  }
  return { kind: 'time', ms };
}

/** `30s`, `15m`, `1h`, `500ms`, `1d` in milliseconds; undefined for anything else. */
export function parseDurationMs(text: string | number): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(text).trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return ms > 0 ? ms : undefined;
}

/** A window's size as it is written (`1h`, `1000`). */
export function formatWindow(size: WindowSize): string {
  if (size.kind === 'count') return String(size.requests);
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (size.ms % UNITS[unit]! === 0) return `${size.ms / UNITS[unit]!}${unit}`;
  }
  return `${size.ms}ms`;
}

/** One time window, [start, end) in ms since the epoch. */
export interface TimeSpan {
  start: number;
  end: number;
}

/**
 * The tumbling time windows that have closed by `now` and follow `lastEnd` (the end of the last
 * window checked), aligned to multiples of the window's length; at most `max`, the newest kept
 * when more have closed (a monitor that was down does not check a month of hours one by one).
 * With no window checked yet, only the last closed window is due.
 */
export function dueTimeWindows(
  ms: number,
  now: number,
  lastEnd: number | undefined,
  max = 24,
): TimeSpan[] {
  if (!(ms > 0)) throw invalid('a time window needs a positive length');
  const closedEnd = Math.floor(now / ms) * ms;
  const firstStart = lastEnd === undefined ? closedEnd - ms : Math.ceil(lastEnd / ms) * ms;
  const spans: TimeSpan[] = [];
  for (
    let start = Math.max(firstStart, closedEnd - max * ms);
    start + ms <= closedEnd;
    start += ms
  ) {
    spans.push({ start, end: start + ms });
  }
  return spans;
}

/**
 * Cuts request keys (ascending, those after the last window checked) into complete count windows
 * of `requests` each; the rest waits for more traffic. Returns each window's first and last key.
 */
export function dueCountWindows(
  keys: ArrayLike<number>,
  requests: number,
): { first: number; last: number }[] {
  const windows: { first: number; last: number }[] = [];
  for (let i = 0; i + requests <= keys.length; i += requests) {
    windows.push({ first: keys[i]!, last: keys[i + requests - 1]! });
  }
  return windows;
}
