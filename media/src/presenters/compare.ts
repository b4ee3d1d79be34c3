/**
 * The host side of the comparison view, in both IDEs: answers `ready` with the comparison and
 * every series, follows the compared runs live, and hands run opening and CSV saving to the IDE.
 */
import {
  MetricsHistoryRequest,
  RunsCompareRequest,
  type RunsCompareResult,
} from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { MessageType } from '../contract';
import { LiveRunsPresenter, type RunsViewHost } from './runs';

/** What the comparison view asks of its IDE adapter. */
export interface CompareViewHost extends RunsViewHost {
  /** A snapshot went to the view (the adapter may name its panel after the runs). */
  compared?(result: RunsCompareResult): void;
}

/** The runs of a comparison view restored after a reload, from the state the view saved. */
export function restoredComparison(state: unknown): string[] | undefined {
  const saved = (state ?? {}) as { runIds?: unknown };
  return Array.isArray(saved.runIds) && saved.runIds.length > 0
    ? saved.runIds.map(String)
    : undefined;
}

/** Drives one comparison view of 1 to 100 runs. */
export class ComparePresenter extends LiveRunsPresenter {
  constructor(
    private compared: string[],
    client: SextantClient,
    protected override readonly host: CompareViewHost,
  ) {
    super(client, host);
  }

  get runIds(): string[] {
    return this.compared;
  }

  /** Compares other runs; pushes their snapshot once the view is ready. */
  show(runIds: string[]): Promise<void> {
    this.compared = runIds;
    return this.refresh();
  }

  protected async handleRuns(): Promise<boolean> {
    return false;
  }

  protected async pushSnapshot(): Promise<void> {
    const runIds = this.compared;
    const [compare, history] = await Promise.all([
      this.client.request(RunsCompareRequest, { runIds }),
      this.client.request(MetricsHistoryRequest, { runIds, budget: this.budget }),
    ]);
    this.post({ type: MessageType.CompareSnapshot, compare, series: history.series });
    this.host.compared?.(compare);
  }
}
