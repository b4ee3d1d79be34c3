import type { SourceRange } from '../../model/pipeline';

/** A step as written in the file, for symbols, code lenses and hovers. */
export interface StepOutline {
  /** The name as written (before `foreach` expansion). */
  name: string;
  /** The step's key. */
  keyRange: SourceRange;
  /** The key and the step's body. */
  range: SourceRange;
  /** The names of the resolved steps it made (one, or one per `foreach` item). */
  expanded: string[];
  /** The component it uses, as written. */
  use?: string;
}

/** A pipeline as written in the file. */
export interface PipelineOutline {
  name: string;
  /** Whether it is the file's top-level `steps:` rather than an entry of `pipelines:`. */
  topLevel: boolean;
  keyRange: SourceRange;
  range: SourceRange;
  steps: StepOutline[];
}

/** A place in a pipeline file that names something elsewhere: for go-to-definition and hover. */
export type SpecReference =
  | {
      kind: 'path';
      range: SourceRange;
      /** Absolute path. */
      target: string;
      exists: boolean;
      /** The step whose output it is, when one writes it. */
      producer?: string;
    }
  | {
      kind: 'param';
      range: SourceRange;
      /** Absolute path of the params file. */
      file: string;
      key: string;
      found: boolean;
      value?: unknown;
    }
  | {
      kind: 'component';
      range: SourceRange;
      /** Absolute path of the component file; absent for a built-in. */
      target?: string;
      name: string;
    }
  | { kind: 'step'; range: SourceRange; pipeline: string; step: string };
