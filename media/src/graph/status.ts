/**
 * How each step status looks in the pipeline graph: a word (always shown, so that colour is never
 * the only cue), a glyph, and the CSS variable of its colour (mapped per host in `theme.ts`).
 */
import type { PipelineRunStatus, StepStatus } from '@sextant/language-server/protocol';

/** The look of one status. */
export interface StatusStyle {
  /** The word shown on the node and read by screen readers. */
  label: string;
  /** A glyph with a distinct shape per status. */
  icon: string;
  /** The CSS custom property that holds the status colour. */
  colorVar: string;
  /** True while work is under way (the glyph spins, the tree shows a spinner). */
  active: boolean;
}

/** Every status the graph can show, in the order a legend lists them. */
export const STEP_STATUSES: readonly StepStatus[] = [
  'queued',
  'running',
  'cached',
  'done',
  'failed',
  'cancelled',
  'skipped',
  'stale',
  'not-run',
];

const STYLES: Record<StepStatus, StatusStyle> = {
  queued: { label: 'queued', icon: '○', colorVar: '--sx-status-queued', active: false },
  running: { label: 'running', icon: '◐', colorVar: '--sx-status-running', active: true },
  cached: { label: 'cached', icon: '◆', colorVar: '--sx-status-cached', active: false },
  done: { label: 'done', icon: '✓', colorVar: '--sx-status-done', active: false },
  failed: { label: 'failed', icon: '✕', colorVar: '--sx-status-failed', active: false },
  cancelled: { label: 'cancelled', icon: '⊘', colorVar: '--sx-status-cancelled', active: false },
  skipped: { label: 'skipped', icon: '»', colorVar: '--sx-status-skipped', active: false },
  stale: { label: 'stale', icon: '!', colorVar: '--sx-status-stale', active: false },
  'not-run': { label: 'not run', icon: '·', colorVar: '--sx-status-queued', active: false },
};

/** The look of `status`; an unknown status (a newer server) looks like `queued` with its own word. */
export function statusStyle(status: StepStatus | string): StatusStyle {
  const known = (STYLES as Record<string, StatusStyle | undefined>)[status];
  return known ?? { ...STYLES.queued, label: String(status) };
}

/** True when a pipeline run can still be cancelled. */
export function isRunActive(status: PipelineRunStatus | undefined): boolean {
  return status === 'running';
}
