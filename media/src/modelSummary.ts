/** A one-line summary of an MLflow model signature for the run view's models table. */

interface Spec {
  type?: unknown;
  name?: unknown;
  'tensor-spec'?: { dtype?: unknown; shape?: unknown };
}

function part(json: string | undefined): string | undefined {
  if (!json) return undefined;
  let specs: unknown;
  try {
    specs = JSON.parse(json);
  } catch {
    return 'unreadable';
  }
  if (!Array.isArray(specs) || specs.length === 0) return undefined;
  const list = specs as Spec[];
  const tensor = list[0]?.['tensor-spec'];
  if (list[0]?.type === 'tensor' && tensor) {
    const shape = Array.isArray(tensor.shape) ? `(${tensor.shape.join(', ')})` : '';
    return `tensor ${String(tensor.dtype ?? '')} ${shape}`.trim();
  }
  const types = [...new Set(list.map((s) => String(s.type ?? '?')))];
  const noun = list.every((s) => typeof s.name === 'string') ? 'column' : 'field';
  return `${list.length} ${noun}${list.length === 1 ? '' : 's'} (${types.join(', ')})`;
}

/**
 * "4 columns (double) → 1 column (long)" from the signature's JSON parts; an empty string when
 * the model has no signature.
 */
export function signatureSummary(
  signature: { inputs?: string; outputs?: string; params?: string } | undefined,
): string {
  const inputs = part(signature?.inputs);
  const outputs = part(signature?.outputs);
  if (!inputs && !outputs) return '';
  return `${inputs ?? '—'} → ${outputs ?? '—'}`;
}
