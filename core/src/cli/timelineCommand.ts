import type { Command } from 'commander';
import { invalid } from '../model/errors';
import type { Timeline, TimelineItem, TimelineTarget } from '../model/timeline';
import { loopTimeline, type TimelineQuery } from '../timeline';
import { table, time } from './format';
import { withEngine } from './store';

/** A time as the user typed it: ms since the epoch, or a date `Date.parse` reads. */
export function parseTime(text: string, option: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) {
    throw invalid(
      `${option} takes ms since the epoch or a date (2026-12-05T08:00Z), not '${text}'`,
    );
  }
  return value;
}

/** Where an item opens, in words a terminal user can act on. */
export function targetText(target: TimelineTarget | undefined): string {
  if (!target) return '';
  switch (target.kind) {
    case 'run':
      return `run ${target.runId}`;
    case 'pipelineRun':
      return `pipeline run ${target.pipelineRunId}`;
    case 'modelVersion':
      return `models:/${target.name}/${target.version}`;
    case 'deployment':
      return `deployment ${target.name}`;
    case 'experiment':
      return `experiment on ${target.deployment}`;
  }
}

/** The timeline as a table: each item's position, what caused it by position. */
export function timelineTable(timeline: Timeline): string {
  const position = new Map(timeline.items.map((item, i) => [item.id, i + 1]));
  const causeOf = (item: TimelineItem): string => {
    const at = item.causedBy ? position.get(item.causedBy) : undefined;
    return at !== undefined ? `#${at}` : '';
  };
  return table(
    ['#', 'time', 'kind', 'status', 'what', 'after', 'opens'],
    timeline.items.map((item, i) => [
      String(i + 1),
      time(item.time),
      item.kind,
      item.status,
      item.title,
      causeOf(item),
      targetText(item.target),
    ]),
  );
}

/** Registers `sextant timeline`. */
export function registerTimelineCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  program
    .command('timeline')
    .description(
      'the continuous-training loop: alerts, pipeline runs, evaluations, registrations, deployment changes and decisions, with what caused each',
    )
    .option(...storeOption)
    .option('--deployment <name>', 'only what concerns this deployment')
    .option('--model <name>', 'only what concerns this registered model')
    .option('--since <time>', 'from this time (ms since the epoch or a date)')
    .option('--until <time>', 'up to this time (ms since the epoch or a date)')
    .option('--limit <n>', 'the newest items kept', '500')
    .option('--json', 'print the timeline as JSON')
    .action(
      async (opts: {
        store: string;
        deployment?: string;
        model?: string;
        since?: string;
        until?: string;
        limit: string;
        json?: boolean;
      }) => {
        if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1) {
          throw invalid(`--limit takes a positive whole number, not '${opts.limit}'`);
        }
        const query: TimelineQuery = {
          ...(opts.deployment ? { deployment: opts.deployment } : {}),
          ...(opts.model ? { model: opts.model } : {}),
          ...(opts.since ? { since: parseTime(opts.since, '--since') } : {}),
          ...(opts.until ? { until: parseTime(opts.until, '--until') } : {}),
          limit: Number(opts.limit),
        };
        await withEngine(opts.store, async (engine) => {
          const timeline = await loopTimeline(engine, query);
          if (opts.json) {
            out.write(`${JSON.stringify(timeline, null, 2)}\n`);
          } else if (timeline.items.length === 0) {
            out.write('Nothing recorded of the loop yet.\n');
          } else {
            out.write(`${timelineTable(timeline)}\n`);
            if (timeline.truncated) out.write(`(older items left out: raise --limit)\n`);
          }
        });
      },
    );
}
