/**
 * The host side of the model comparison view, in both IDEs: answers `ready` with 2 to 10 versions
 * side by side on one eval set, switches eval sets when the view asks, and follows the models live.
 */
import {
  RegistryCompareRequest,
  type RegistryCompareResult,
  type VersionRef,
} from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { LiveModelsPresenter, type ModelViewHost } from './models';

/** What the model comparison asks of its IDE adapter. */
export interface ModelCompareViewHost extends ModelViewHost {
  /** A snapshot went to the view (the adapter may name its panel after the versions). */
  compared?(result: RegistryCompareResult): void;
}

/** The versions a comparison restored after a reload shows, from the state the view saved. */
export function restoredModelComparison(state: unknown): VersionRef[] | undefined {
  const saved = (state ?? {}) as { versions?: unknown };
  if (!Array.isArray(saved.versions) || saved.versions.length < 2) return undefined;
  const refs = saved.versions.filter(
    (v): v is VersionRef =>
      typeof (v as VersionRef)?.name === 'string' && typeof (v as VersionRef)?.version === 'string',
  );
  return refs.length === saved.versions.length ? refs : undefined;
}

/** Drives one comparison of model versions. */
export class ModelComparePresenter extends LiveModelsPresenter {
  private evalSet: string | undefined;

  constructor(
    private compared: VersionRef[],
    client: SextantClient,
    protected override readonly host: ModelCompareViewHost,
  ) {
    super(client, host);
  }

  get versions(): VersionRef[] {
    return this.compared;
  }

  get modelNames(): string[] {
    return [...new Set(this.compared.map((v) => v.name))];
  }

  /** Compares other versions (on the eval set they share); pushes once the view is ready. */
  show(versions: VersionRef[]): Promise<void> {
    this.compared = versions;
    this.evalSet = undefined;
    return this.refresh();
  }

  protected async handleModels(message: ViewMessage): Promise<boolean> {
    if (message.type !== MessageType.SelectEvalSet) return false;
    this.evalSet = message.evalSet;
    await this.snapshot.request();
    return true;
  }

  protected async pushSnapshot(): Promise<void> {
    const compare = await this.client.request(RegistryCompareRequest, {
      versions: this.compared,
      ...(this.evalSet ? { evalSet: this.evalSet } : {}),
    });
    this.post({ type: MessageType.ModelCompareSnapshot, compare });
    this.host.compared?.(compare);
  }
}
