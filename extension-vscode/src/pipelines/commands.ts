/**
 * The pipeline commands: run a pipeline or one step (from the language server's code lenses, the
 * Pipelines tree or the palette), show its graph, cancel a run, refresh the tree, clean the cache.
 */
import { PipelinesListRequest } from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { errorMessage } from '../api';
import type { SextantClient } from '@sextant/media/client';
import { cleanPipelineCache } from './cleanCache';
import { baseName, targetOf, type PipelineTarget, type PipelinesNode } from './model';
import type { PipelinePanels } from './panel';
import type { PipelineRuns } from './runs';
import type { PipelinesTree } from './tree';

/** What the pipeline commands act on. */
export interface PipelineCommandContext {
  pipelines: SextantClient;
  runs: PipelineRuns;
  panels: PipelinePanels;
  tree: PipelinesTree;
}

/** Asks which pipeline, when a command came without one (the palette). */
async function pickPipeline(pipelines: SextantClient): Promise<PipelineTarget | undefined> {
  const { files } = await pipelines.request(PipelinesListRequest);
  const items = files.flatMap((f) =>
    f.pipelines.map((p) => ({
      label: p.name,
      description: vscode.workspace.asRelativePath(f.file),
      detail: `${p.steps.length} steps: ${p.steps.join(', ')}`,
      target: { file: f.file, pipeline: p.name },
    })),
  );
  if (items.length === 0)
    throw new Error('no pipeline in this workspace: write a sextant.yaml first.');
  if (items.length === 1) return items[0]!.target;
  return (await vscode.window.showQuickPick(items, { title: 'Which pipeline?' }))?.target;
}

/** Registers the pipeline commands. */
export function registerPipelineCommands(ctx: PipelineCommandContext): vscode.Disposable[] {
  const { pipelines, runs, panels, tree } = ctx;
  const register = (id: string, fn: (arg: unknown) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (arg: unknown) => {
      try {
        await fn(arg);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: ${errorMessage(error)}`);
      }
    });
  const target = async (arg: unknown): Promise<PipelineTarget | undefined> =>
    targetOf(arg) ?? (await pickPipeline(pipelines));
  const start = async (t: PipelineTarget & { force?: boolean }): Promise<void> => {
    await runs.start(t);
    await panels.show({ file: t.file, pipeline: t.pipeline }, { preserveFocus: true });
  };

  return [
    register('sextant.runPipeline', async (arg) => {
      const t = await target(arg);
      if (t) await start({ file: t.file, pipeline: t.pipeline });
    }),
    register('sextant.runPipelineForce', async (arg) => {
      const t = await target(arg);
      if (t) await start({ file: t.file, pipeline: t.pipeline, force: true });
    }),
    register('sextant.runStep', async (arg) => {
      const t = targetOf(arg);
      if (!t?.step)
        throw new Error('run a step from its "Run step" code lens in the pipeline file.');
      await start(t);
    }),
    register('sextant.showPipelineGraph', async (arg) => {
      const t = await target(arg);
      if (!t) return;
      const pipelineRunId = (arg as { pipelineRunId?: unknown } | undefined)?.pipelineRunId;
      await panels.show({
        file: t.file,
        pipeline: t.pipeline,
        pipelineRunId: typeof pipelineRunId === 'string' ? pipelineRunId : undefined,
      });
    }),
    register('sextant.cancelPipelineRun', async (arg) => {
      const node = arg as PipelinesNode | undefined;
      let id = node?.kind === 'run' ? node.run.pipelineRunId : undefined;
      if (!id && node?.kind === 'pipeline' && node.pipeline.lastRun?.status === 'running') {
        id = node.pipeline.lastRun.pipelineRunId;
      }
      if (!id) {
        const running = runs.running;
        if (running.length === 0) {
          void vscode.window.showInformationMessage('Sextant: no pipeline is running.');
          return;
        }
        const pick =
          running.length === 1
            ? running[0]
            : (
                await vscode.window.showQuickPick(
                  running.map((run) => ({
                    label: run.pipeline,
                    description: `${baseName(run.file)} · started ${new Date(run.startTime).toLocaleTimeString()}`,
                    run,
                  })),
                  { title: 'Cancel which pipeline run?' },
                )
              )?.run;
        id = pick?.pipelineRunId;
      }
      if (id) await runs.cancel(id);
    }),
    register('sextant.refreshPipelines', () => tree.refresh()),
    register('sextant.showPipelineLog', () => runs.channel.show(true)),
    register('sextant.cleanPipelineCache', () => cleanPipelineCache(pipelines)),
  ];
}
