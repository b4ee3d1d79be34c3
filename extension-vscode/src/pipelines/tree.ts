/** The Pipelines tree: pipeline files, their pipelines, and each pipeline's recent runs, kept live. */
import {
  PipelinesChangedNotification,
  PipelinesListRequest,
  PipelinesRunsRequest,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import type {
  PipelineFileSummary,
  PipelineRun,
  PipelineSummary,
} from '@sextant/language-server/protocol';
import { errorMessage, type SextantApi } from '../api';
import { LiveTree } from '../vscode/liveTree';
import { toTreeItem } from '../vscode/treeItem';
import { fileItem, pipelineItem, pipelineRunItem, problemItem, type PipelinesNode } from './model';

export type { PipelinesNode } from './model';

/** Runs listed under each pipeline. */
const RECENT_RUNS = 10;

/** Supplies the Pipelines tree from the language server. */
export class PipelinesTree extends LiveTree<PipelinesNode> {
  private files: PipelineFileSummary[] | undefined;
  private readonly pipelineNodes = new Map<string, PipelinesNode & { kind: 'pipeline' }>();
  private readonly runNodes = new Map<string, PipelinesNode & { kind: 'run' }>();
  private readonly runsOf = new Map<string, PipelineRun[]>();

  constructor(private readonly api: SextantApi) {
    super();
    this.subscriptions.push(
      api.onNotification(PipelinesChangedNotification, ({ run }) => this.runChanged(run)),
      api.onServerInfo(() => this.refresh()),
      api.onServerStopped(() => this.refresh()),
    );
  }

  /** Reloads the whole tree (soon, once, however often it is asked). */
  refresh(): void {
    this.debounce(150, () => {
      this.files = undefined;
      this.pipelineNodes.clear();
      this.runNodes.clear();
      this.runsOf.clear();
      this.changed.fire(undefined);
    });
  }

  /** The files and pipelines last listed. */
  get listed(): readonly PipelineFileSummary[] {
    return this.files ?? [];
  }

  private runChanged(run: PipelineRun): void {
    const key = pipelineKey(run.file, run.pipeline);
    const pipelineNode = this.pipelineNodes.get(key);
    if (!pipelineNode) {
      this.refresh();
      return;
    }
    const last = pipelineNode.pipeline.lastRun;
    if (!last || last.pipelineRunId === run.pipelineRunId || last.startTime <= run.startTime) {
      pipelineNode.pipeline = { ...pipelineNode.pipeline, lastRun: run };
      this.changed.fire(pipelineNode);
    }
    const runNode = this.runNodes.get(run.pipelineRunId);
    if (runNode) {
      runNode.run = run;
      this.changed.fire(runNode);
    } else if (this.runsOf.has(key)) {
      this.runsOf.delete(key);
      this.changed.fire(pipelineNode);
    }
  }

  getTreeItem(node: PipelinesNode): vscode.TreeItem {
    const now = Date.now();
    switch (node.kind) {
      case 'file':
        return toTreeItem(fileItem(node.file, vscode.workspace.asRelativePath(node.file.file)), {
          command: 'vscode.open',
          title: 'Open',
          arguments: [vscode.Uri.file(node.file.file)],
        });
      case 'pipeline':
        return toTreeItem(pipelineItem(node.pipeline, now), {
          command: 'sextant.showPipelineGraph',
          title: 'Show Pipeline Graph',
          arguments: [{ file: node.pipeline.file, pipeline: node.pipeline.name }],
        });
      case 'run':
        return toTreeItem(pipelineRunItem(node.run, now), {
          command: 'sextant.showPipelineGraph',
          title: 'Show Pipeline Graph',
          arguments: [
            {
              file: node.run.file,
              pipeline: node.run.pipeline,
              pipelineRunId: node.run.pipelineRunId,
            },
          ],
        });
      case 'problem': {
        const d = node.diagnostic;
        const start = new vscode.Position(d.range.start.line, d.range.start.character);
        return toTreeItem(problemItem(d, node.index), {
          command: 'vscode.open',
          title: 'Open',
          arguments: [vscode.Uri.file(d.file), { selection: new vscode.Range(start, start) }],
        });
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.tooltip = node.tooltip ?? node.text;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  async getChildren(node?: PipelinesNode): Promise<PipelinesNode[]> {
    try {
      if (!node) return await this.fileNodes();
      if (node.kind === 'file') {
        return [
          ...node.file.diagnostics
            .filter((d) => d.severity === 'error')
            .map((diagnostic, index): PipelinesNode => ({ kind: 'problem', diagnostic, index })),
          ...node.file.pipelines.map((pipeline) => this.pipelineNode(pipeline)),
        ];
      }
      if (node.kind === 'pipeline') return await this.runNodesOf(node.pipeline);
      return [];
    } catch (error) {
      return [{ kind: 'message', text: `Sextant: ${errorMessage(error)}` }];
    }
  }

  private async fileNodes(): Promise<PipelinesNode[]> {
    if (!this.api.info) {
      const text =
        this.api.state === 'stopped'
          ? 'The Sextant server is stopped.'
          : 'Starting the Sextant server…';
      return [{ kind: 'message', text }];
    }
    this.files ??= (await this.api.request(PipelinesListRequest)).files;
    if (this.files.length === 0) {
      // Short enough for a narrow sidebar; the hover says what to do.
      return [
        {
          kind: 'message',
          text: 'No sextant.yaml in the workspace',
          tooltip: 'No pipelines: write a sextant.yaml in the workspace to define one.',
        },
      ];
    }
    return this.files.map((file) => ({ kind: 'file', file }));
  }

  private pipelineNode(pipeline: PipelineSummary): PipelinesNode {
    const node = { kind: 'pipeline' as const, pipeline };
    this.pipelineNodes.set(pipelineKey(pipeline.file, pipeline.name), node);
    return node;
  }

  private async runNodesOf(pipeline: PipelineSummary): Promise<PipelinesNode[]> {
    const key = pipelineKey(pipeline.file, pipeline.name);
    let runs = this.runsOf.get(key);
    if (!runs) {
      runs = (
        await this.api.request(PipelinesRunsRequest, {
          file: pipeline.file,
          pipeline: pipeline.name,
          limit: RECENT_RUNS,
        })
      ).runs;
      this.runsOf.set(key, runs);
    }
    if (runs.length === 0) return [{ kind: 'message', text: 'No runs yet.' }];
    return runs.map((run) => {
      const node = { kind: 'run' as const, run };
      this.runNodes.set(run.pipelineRunId, node);
      return node;
    });
  }
}

function pipelineKey(file: string, pipeline: string): string {
  return `${file}#${pipeline}`;
}
