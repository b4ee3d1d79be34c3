import type { PipelineDiagnostic, SourceRange } from '@sextant/core';
import {
  DiagnosticSeverity,
  type Diagnostic,
  type Position,
  type Range,
} from 'vscode-languageserver/node';

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
} as const;

/** A Sextant finding as an LSP diagnostic. */
export function toLspDiagnostic(d: PipelineDiagnostic): Diagnostic {
  return {
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'sextant',
    message: d.message,
  };
}

/** Whether a position lies in a range (ends included). */
export function contains(range: SourceRange | Range, position: Position): boolean {
  const { start, end } = range;
  if (position.line < start.line || position.line > end.line) return false;
  if (position.line === start.line && position.character < start.character) return false;
  if (position.line === end.line && position.character > end.character) return false;
  return true;
}
