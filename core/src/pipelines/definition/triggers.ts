import { Cron } from 'croner';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { PipelineDiagnostic, TriggerSpec } from '../../model/pipeline';
import { entry, toData, type SourceFile } from './source';
import { parseDuration } from './values';

/** Debounce of a `files` trigger when none is given. */
const DEFAULT_DEBOUNCE_MS = 500;

/** The triggers of a pipeline's `on:` map. */
export function triggersOf(
  source: SourceFile,
  node: Node | null | undefined,
  diagnostics: PipelineDiagnostic[],
): TriggerSpec[] {
  if (!isMap(node)) return [];
  const triggers: TriggerSpec[] = [];
  const files = entry(node, 'files')?.value;
  if (files) {
    const data = toData(files);
    const paths = isSeq(files) || isScalar(files) ? data : (data as { paths?: unknown }).paths;
    const list = (Array.isArray(paths) ? paths : [paths]).filter(
      (p): p is string => typeof p === 'string',
    );
    const debounceText = isMap(files) ? (data as { debounce?: unknown }).debounce : undefined;
    const debounce = debounceText === undefined ? undefined : parseDuration(debounceText);
    triggers.push({
      kind: 'files',
      paths: list,
      debounceMs: debounce !== undefined ? Math.round(debounce * 1000) : DEFAULT_DEBOUNCE_MS,
    });
  }
  const cron = entry(node, 'cron')?.value;
  if (cron) {
    const data = toData(cron);
    const schedule = typeof data === 'string' ? data : (data as { schedule?: string }).schedule;
    const timezone =
      typeof data === 'object' && data ? (data as { timezone?: string }).timezone : undefined;
    if (typeof schedule === 'string') {
      try {
        new Cron(schedule, { paused: true, ...(timezone ? { timezone } : {}) }).nextRun();
        triggers.push({ kind: 'cron', schedule, ...(timezone ? { timezone } : {}) });
      } catch (error) {
        diagnostics.push(
          source.diagnostic('schema', `invalid cron schedule: ${(error as Error).message}`, cron),
        );
      }
    }
  }
  if (toData(entry(node, 'webhook')?.value) === true) triggers.push({ kind: 'webhook' });
  const upstream = toData(entry(node, 'pipeline')?.value) as
    { name?: unknown; on?: unknown } | undefined;
  if (upstream && typeof upstream.name === 'string') {
    const on = upstream.on === 'failure' || upstream.on === 'any' ? upstream.on : 'success';
    triggers.push({ kind: 'pipeline', pipeline: upstream.name, on });
  }
  const alert = toData(entry(node, 'alert')?.value);
  const rules = (Array.isArray(alert) ? alert : [alert]).filter(
    (r): r is string => typeof r === 'string' && r.length > 0,
  );
  for (const rule of rules) triggers.push({ kind: 'alert', rule });
  return triggers;
}
