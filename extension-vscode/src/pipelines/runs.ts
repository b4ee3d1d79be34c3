/**
 * Pipeline runs started from the IDE: a progress notification with step progress and a Cancel
 * button while the run goes, the steps' output streamed into the "Sextant Pipelines" channel, and
 * the outcome told at the end.
 */
import {
  PipelinesCancelRequest,
  PipelinesChangedNotification,
  PipelinesLogNotification,
  PipelinesRunRequest,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import type { PipelineRun } from '@sextant/language-server/protocol';
import { errorMessage } from '../api';
import type { SextantClient } from '@sextant/media/client';
import {
  finishedSteps,
  LogLines,
  outcomeMessage,
  progressMessage,
  type PipelineTarget,
} from './model';

/** How many finished runs are remembered for a late `run` answer. */
const REMEMBERED = 50;

/** Watches every pipeline run's progress and streams logs; starts runs with progress. */
export class PipelineRuns implements vscode.Disposable {
  private readonly latest = new Map<string, PipelineRun>();
  private readonly waiters = new Map<string, Set<(run: PipelineRun) => void>>();
  private readonly lines = new LogLines();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly pipelines: SextantClient,
    readonly channel: vscode.OutputChannel,
    private readonly showGraph: (target: PipelineTarget) => void,
  ) {
    this.subscriptions = [
      pipelines.onNotification(PipelinesChangedNotification, ({ run }) => this.changed(run)),
      pipelines.onNotification(
        PipelinesLogNotification,
        ({ pipelineRunId, step, stream, text }) => {
          for (const line of this.lines.push(pipelineRunId, step, stream, text)) {
            channel.appendLine(line);
          }
        },
      ),
    ];
  }

  /** Runs that are still going, newest first. */
  get running(): PipelineRun[] {
    return [...this.latest.values()]
      .filter((r) => r.status === 'running')
      .sort((a, b) => b.startTime - a.startTime);
  }

  private changed(run: PipelineRun): void {
    const before = this.latest.get(run.pipelineRunId);
    this.latest.delete(run.pipelineRunId);
    this.latest.set(run.pipelineRunId, run);
    while (this.latest.size > REMEMBERED) this.latest.delete(this.latest.keys().next().value!);
    const tag = `${run.pipeline} ${run.pipelineRunId.slice(0, 8)}`;
    if (!before) {
      this.channel.appendLine(
        `▶ pipeline ${tag} started (${run.trigger.kind}${run.trigger.detail ? `: ${run.trigger.detail}` : ''}${run.forced ? ', forced' : ''})`,
      );
    }
    const was = new Map(before?.steps.map((s) => [s.step, s.status]));
    for (const step of run.steps) {
      if (was.get(step.step) === step.status || (!before && step.status === 'queued')) continue;
      this.channel.appendLine(
        `[${step.step}] ${step.status}${step.reason ? `: ${step.reason}` : ''}${step.exitCode !== undefined && step.status === 'failed' ? ` (exit code ${step.exitCode})` : ''}`,
      );
    }
    if (run.status !== 'running') {
      for (const line of this.lines.flush(run.pipelineRunId)) this.channel.appendLine(line);
      if (before?.status === 'running' || !before) {
        this.channel.appendLine(`■ ${outcomeMessage(run)}`);
      }
      for (const resolve of this.waiters.get(run.pipelineRunId) ?? []) resolve(run);
      this.waiters.delete(run.pipelineRunId);
    }
  }

  private finished(pipelineRunId: string): Promise<PipelineRun> {
    const known = this.latest.get(pipelineRunId);
    if (known && known.status !== 'running') return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiters.get(pipelineRunId) ?? new Set();
      set.add(resolve);
      this.waiters.set(pipelineRunId, set);
    });
  }

  /** Starts a run of `target` and shows its progress until it ends; answers its id. */
  async start(target: PipelineTarget & { force?: boolean }): Promise<string | undefined> {
    const dirty = vscode.workspace.textDocuments.find(
      (d) => d.uri.scheme === 'file' && d.uri.fsPath === target.file && d.isDirty,
    );
    if (dirty) await dirty.save();
    const result = await this.pipelines.request(PipelinesRunRequest, {
      file: target.file,
      pipeline: target.pipeline,
      step: target.step,
      force: target.force,
    });
    const id = result.pipelineRunId;
    if (!id) return undefined;
    const title =
      `Sextant: ${target.step ? `step ${target.step} of ` : ''}pipeline ${target.pipeline ?? ''}`.trimEnd();
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        const report = (run: PipelineRun): void => {
          const fraction = run.steps.length ? (finishedSteps(run) / run.steps.length) * 100 : 0;
          progress.report({
            message: progressMessage(run),
            increment: Math.max(0, fraction - reported),
          });
          reported = Math.max(reported, fraction);
        };
        const listener = this.pipelines.onNotification(PipelinesChangedNotification, ({ run }) => {
          if (run.pipelineRunId === id) report(run);
        });
        const known = this.latest.get(id);
        if (known) report(known);
        token.onCancellationRequested(() => {
          this.pipelines
            .request(PipelinesCancelRequest, { pipelineRunId: id })
            .catch((error: unknown) => {
              void vscode.window.showErrorMessage(
                `Sextant: could not cancel: ${errorMessage(error)}`,
              );
            });
        });
        try {
          const run = await this.finished(id);
          void this.tell(run);
        } finally {
          listener.dispose();
        }
      },
    );
    return id;
  }

  private async tell(run: PipelineRun): Promise<void> {
    const message = `Sextant: ${outcomeMessage(run)}`;
    const target = { file: run.file, pipeline: run.pipeline };
    if (run.status === 'done') {
      vscode.window.setStatusBarMessage(message, 10_000);
      return;
    }
    const show =
      run.status === 'failed'
        ? vscode.window.showErrorMessage(message, 'Show Log', 'Show Graph')
        : vscode.window.showWarningMessage(message, 'Show Graph');
    const choice = await show;
    if (choice === 'Show Log') this.channel.show(true);
    if (choice === 'Show Graph') this.showGraph(target);
  }

  /** Cancels a run. */
  async cancel(pipelineRunId: string): Promise<void> {
    await this.pipelines.request(PipelinesCancelRequest, { pipelineRunId: pipelineRunId });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.waiters.clear();
  }
}
