import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from '../model/errors';
import type { LineageEdge } from '../model/pipeline';
import { withEngine } from './store';

const short = (digest: string): string => digest.replace(/^md5:/, '').slice(0, 10);

/** A workspace-relative POSIX path from what a user typed (`./data/x.csv` → `data/x.csv`). */
export function lineagePath(typed: string): string {
  const clean = path.posix.normalize(typed.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (clean.startsWith('../') || clean === '..' || path.posix.isAbsolute(clean)) {
    throw invalid(
      `give the path relative to the workspace root, as the pipeline names it: '${typed}'`,
    );
  }
  return clean.replace(/\/+$/, '');
}

function describeEdge(edge: LineageEdge): string {
  const { pipelineRunId, step } = edge.execution;
  const artifact = `${edge.artifact.path}@${short(edge.artifact.digest)}`;
  const execution = `${step} (pipeline run ${pipelineRunId})`;
  return edge.relation === 'produced'
    ? `${execution} produced ${artifact}`
    : `${execution} consumed ${artifact}`;
}

/** Registers `sextant lineage <path>` and `sextant lineage export --openlineage`. */
export function registerLineageCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const lineage = program
    .command('lineage')
    .enablePositionalOptions()
    .description('what produced an artifact, what used it; export as OpenLineage events')
    .argument('[path]', 'artifact path, relative to the workspace root')
    .option(...storeOption)
    .option('--upstream', 'what produced it, and what that read (the default)')
    .option('--downstream', 'what used it, and what that made')
    .option('--digest <digest>', 'this version of the artifact (default: its newest)')
    .option('--depth <n>', 'how many steps to walk', '10')
    .option('--json', 'print JSON')
    .action(
      async (
        typed: string | undefined,
        opts: {
          store: string;
          upstream?: boolean;
          downstream?: boolean;
          digest?: string;
          depth: string;
          json?: boolean;
        },
      ) => {
        if (!typed) throw new Error('give an artifact path: sextant lineage <path> [--downstream]');
        if (opts.upstream && opts.downstream) {
          throw new Error('choose one of --upstream and --downstream');
        }
        const depth = Number(opts.depth);
        if (!/^\d+$/.test(opts.depth) || depth < 1 || depth > 100) {
          throw new Error(`--depth takes a whole number from 1 to 100, not '${opts.depth}'`);
        }
        await withEngine(opts.store, async (engine) => {
          const graph = engine.lineage.query({
            path: lineagePath(typed),
            ...(opts.digest ? { digest: opts.digest } : {}),
            direction: opts.downstream ? 'downstream' : 'upstream',
            depth,
          });
          if (opts.json) return void out.write(`${JSON.stringify(graph, null, 2)}\n`);
          const start = graph.nodes[0];
          if (start?.kind === 'artifact') out.write(`${start.path} ${start.digest}\n`);
          for (const edge of graph.edges) out.write(`  ${describeEdge(edge)}\n`);
          if (graph.edges.length === 0) {
            out.write(
              opts.downstream ? '  nothing has used it yet\n' : '  no recorded step produced it\n',
            );
          }
        });
      },
    );

  lineage
    .command('export')
    .description('export lineage as OpenLineage run events (JSON lines)')
    .option(...storeOption)
    .option('--openlineage', 'OpenLineage RunEvents (the only format, and the default)')
    .option('--namespace <namespace>', 'job and dataset namespace', 'sextant')
    .option('--run <pipelineRunId...>', 'only these pipeline runs')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (opts: { store: string; namespace: string; run?: string[]; output?: string }) => {
      await withEngine(opts.store, async (engine) => {
        const events = engine.lineage.exportOpenLineage({
          namespace: opts.namespace,
          ...(opts.run ? { pipelineRunIds: opts.run } : {}),
        });
        const text = events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
        if (opts.output) fs.writeFileSync(path.resolve(opts.output), text);
        else out.write(text);
      });
    });
}
