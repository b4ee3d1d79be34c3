/**
 * The data `%sextant monitor run|windows`, `%sextant experiment report|decide` and
 * `%sextant timeline` display (the mime type {@link VIEW_MIME}), read and labelled.
 */

/** The output the magics display once their command has succeeded. */
export const VIEW_MIME = 'application/vnd.sextant.view+json';

/** The data of {@link VIEW_MIME}, as the magics write it. */
export type ViewOutput =
  | { view: 'monitoring'; monitor: string }
  | { view: 'experiment'; deployment: string }
  | { view: 'timeline'; deployment?: string; model?: string };

/** The output's data if it is one the renderer knows, else undefined. */
export function viewOutputOf(data: unknown): ViewOutput | undefined {
  const value = data as Record<string, unknown> | null;
  if (!value || typeof value !== 'object') return undefined;
  const text = (key: string) => typeof value[key] === 'string' && value[key] !== '';
  const optional = (key: string) => value[key] === undefined || text(key);
  switch (value['view']) {
    case 'monitoring':
      return text('monitor') ? (value as ViewOutput) : undefined;
    case 'experiment':
      return text('deployment') ? (value as ViewOutput) : undefined;
    case 'timeline':
      return optional('deployment') && optional('model') ? (value as ViewOutput) : undefined;
    default:
      return undefined;
  }
}

/** The button's label for an output. */
export function viewButtonLabel(output: ViewOutput): string {
  switch (output.view) {
    case 'monitoring':
      return 'Open monitoring dashboard';
    case 'experiment':
      return `Open experiment report of ${output.deployment}`;
    case 'timeline':
      return 'Open loop timeline';
  }
}
