import type { Node } from 'yaml';
import type { SourceRange, StepParam } from '../../model/pipeline';

/** A path a step names, root-relative, and where it is written. */
export interface Located {
  path: string;
  range: SourceRange;
}

/** A step being resolved: one per `foreach` item. */
export interface Draft {
  /** The step as written (before expansion). */
  base: string;
  name: string;
  keyRange: SourceRange;
  run: string;
  runNode: Node | null;
  wd: string;
  deps: Located[];
  outs: Located[];
  metrics: string[];
  artifacts: string[];
  params: StepParam[];
  env: Record<string, string>;
  requirements?: string;
  cpu: number;
  gpu: number;
  memoryMb: number;
  compute: string;
  retries: number;
  timeoutSec?: number;
  after: { name: string; range: SourceRange }[];
  component?: string;
}

/** One item of a `foreach` or `matrix`; empty for a plain step. */
export interface Instance {
  suffix?: string;
  item?: unknown;
  key?: string;
}

/** A file-level or pipeline-level list of defaults, merged in order (later wins). */
export type Defaults = Record<string, unknown>;
