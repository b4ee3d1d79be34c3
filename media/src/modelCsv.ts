/** CSV export of a model comparison: one row per version, metrics then params as columns. */
import type { RegistryCompareResult } from '@sextant/language-server/protocol';
import { csvField } from './csv';

/** The comparison as CSV: `model,version,aliases,stage,size_bytes,eval_set,metric.<key>...,param.<key>...`. */
export function modelCompareToCsv(compare: RegistryCompareResult): string {
  const header = [
    'model',
    'version',
    'aliases',
    'stage',
    'size_bytes',
    'eval_set',
    ...compare.metrics.map((m) => `metric.${m.key}`),
    ...compare.params.map((p) => `param.${p.key}`),
  ];
  const rows = compare.versions.map((v, i) => [
    v.name,
    v.version,
    v.aliases.join(' '),
    v.stage,
    String(v.sizeBytes),
    compare.evaluations[i] ? (compare.evalSet ?? '') : '',
    ...compare.metrics.map((m) => (m.values[i] === null ? '' : String(m.values[i]))),
    ...compare.params.map((p) => p.values[i] ?? ''),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
