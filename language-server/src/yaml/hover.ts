import { formatDuration, type StepState } from '@sextant/core';
import type { PipelineFileAnalysis, StepOutline } from '@sextant/core/pipelines/definition';
import path from 'node:path';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import { componentOf, type ReadText } from './components';
import { contains } from './convert';

/** A step's states by step name, from the pipeline runner (`PipelineRunner.stepStates`). */
export type StepStates = (file: string, pipeline: string) => Promise<Record<string, StepState>>;

/** One line about a step's last execution. */
export function describeState(state: StepState | undefined): string {
  if (
    !state ||
    state.status === 'not-run' ||
    (state.status === 'queued' && !state.runId && state.endTime === undefined)
  ) {
    return 'not run yet';
  }
  const took = state.durationMs !== undefined ? ` in ${formatDuration(state.durationMs)}` : '';
  const when =
    state.endTime !== undefined
      ? `, ended ${new Date(state.endTime).toISOString().replace('T', ' ').slice(0, 19)} UTC`
      : '';
  const run = state.runId ? ` (run \`${state.runId}\`)` : '';
  switch (state.status) {
    case 'stale':
      return `**stale**: runs next time: it, or a step it reads from, changed since its last run${when}${run}`;
    case 'cached':
      return `**cached**: its last result was reused${when}${run}`;
    case 'done':
      return `**done**${took}${when}${run}`;
    case 'failed':
      return `**failed**${took}${when}${run}`;
    default:
      return `**${state.status}**${took}${when}${run}`;
  }
}

const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

async function stepHover(
  analysis: PipelineFileAnalysis,
  pipelineName: string,
  step: StepOutline,
  stepStates: StepStates | undefined,
): Promise<string> {
  const resolved = analysis.pipelines.find((p) => p.name === pipelineName);
  let states: Record<string, StepState> | undefined;
  let unavailable: string | undefined;
  if (stepStates && resolved) {
    try {
      states = await stepStates(analysis.file, pipelineName);
    } catch (error) {
      unavailable = error instanceof Error ? error.message : String(error);
    }
  }
  const lines = [`**${step.name}** — step of pipeline ${code(pipelineName)}`];
  if (!resolved) lines.push('', 'The pipeline has errors: fix them to run it.');
  if (unavailable) lines.push('', `Last run: unknown (${unavailable})`);
  for (const name of step.expanded) {
    const s = resolved?.steps.find((x) => x.name === name);
    lines.push('');
    if (step.expanded.length > 1 || name !== step.name) lines.push(`${code(name)}`);
    if (states) lines.push(`Last run: ${describeState(states[name])}`);
    if (s) {
      lines.push(
        `Runs ${code(s.run.length > 200 ? `${s.run.slice(0, 200)}…` : s.run)}${s.compute !== 'local' ? ` on ${code(s.compute)}` : ''}`,
      );
      if (s.upstream.length) lines.push(`After: ${s.upstream.map(code).join(', ')}`);
      if (s.outputs.length) lines.push(`Writes: ${s.outputs.map(code).join(', ')}`);
    }
  }
  return lines.join('  \n');
}

/** The hover at a position of a pipeline file. */
export async function hover(
  analysis: PipelineFileAnalysis,
  position: Position,
  read: ReadText,
  stepStates: StepStates | undefined,
): Promise<Hover | null> {
  for (const pipeline of analysis.outline) {
    for (const step of pipeline.steps) {
      if (contains(step.keyRange, position)) {
        return {
          contents: {
            kind: MarkupKind.Markdown,
            value: await stepHover(analysis, pipeline.name, step, stepStates),
          },
          range: step.keyRange,
        };
      }
    }
    if (!pipeline.topLevel && contains(pipeline.keyRange, position)) {
      const resolved = analysis.pipelines.find((p) => p.name === pipeline.name);
      const value = [
        `**${pipeline.name}** — pipeline of ${pipeline.steps.length} step(s)`,
        resolved
          ? `Order: ${resolved.steps.map((s) => code(s.name)).join(' → ')}`
          : 'The pipeline has errors: fix them to run it.',
        ...(resolved?.triggers.length
          ? [`Triggers: ${resolved.triggers.map((t) => t.kind).join(', ')}`]
          : []),
      ].join('  \n');
      return { contents: { kind: MarkupKind.Markdown, value }, range: pipeline.keyRange };
    }
  }
  const ref = analysis.references.find((r) => contains(r.range, position));
  if (!ref) return null;
  const rel = (file: string): string =>
    path.relative(analysis.root, file).split(path.sep).join('/');
  let value: string;
  switch (ref.kind) {
    case 'param':
      value = ref.found
        ? `${code(ref.key)} = ${code(JSON.stringify(ref.value))} in ${code(rel(ref.file))}`
        : `${code(ref.key)} is not in ${code(rel(ref.file))}`;
      break;
    case 'path':
      value = [
        code(rel(ref.target)),
        ref.producer
          ? `written by step ${code(ref.producer)}`
          : ref.exists
            ? 'exists'
            : 'does not exist',
      ].join(' — ');
      break;
    case 'step':
      value = `step ${code(ref.step)} of pipeline ${code(ref.pipeline)}`;
      break;
    case 'component': {
      const component = componentOf(analysis, ref.name, read);
      if (!component) {
        value = `component ${code(ref.name)} cannot be loaded`;
        break;
      }
      value = [
        `**${component.name}**${component.file ? ` (${code(rel(component.file))})` : ' (built in)'}`,
        ...(component.description ? [component.description] : []),
        ...component.inputs.map(
          (i) =>
            `- input ${code(i.name)}: ${i.type}${i.required ? '' : ' (optional)'}${i.description ? ` — ${i.description}` : ''}`,
        ),
        ...component.outputs.map(
          (o) => `- output ${code(o.name)}: ${o.type}${o.description ? ` — ${o.description}` : ''}`,
        ),
      ].join('\n');
      break;
    }
  }
  return { contents: { kind: MarkupKind.Markdown, value }, range: ref.range };
}
