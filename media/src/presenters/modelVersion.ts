/**
 * The host side of the model version page, in both IDEs: answers `ready` with the version's page
 * (card, deploy facts, lineage, history, newest evaluation and its plots) and the model's
 * evaluations on the same eval set, and follows the model live.
 */
import {
  EvaluationListRequest,
  RegistryVersionRequest,
  type RegistryVersionResult,
  type VersionRef,
} from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { LiveModelsPresenter, type ModelViewHost } from './models';

/** What the version page asks of its IDE adapter. */
export interface ModelVersionViewHost extends ModelViewHost {
  /** A snapshot went to the view (the adapter may name its panel after the version). */
  shown?(page: RegistryVersionResult): void;
}

/** The version a page restored after a reload shows, from the state the view saved. */
export function restoredVersion(state: unknown): VersionRef | undefined {
  const saved = (state ?? {}) as { name?: unknown; version?: unknown };
  return typeof saved.name === 'string' && typeof saved.version === 'string'
    ? { name: saved.name, version: saved.version }
    : undefined;
}

/** Drives one model version page. */
export class ModelVersionPresenter extends LiveModelsPresenter {
  constructor(
    private shownRef: VersionRef,
    client: SextantClient,
    protected override readonly host: ModelVersionViewHost,
  ) {
    super(client, host);
  }

  get ref(): VersionRef {
    return this.shownRef;
  }

  get modelNames(): string[] {
    return [this.shownRef.name];
  }

  /** Shows another version; pushes its snapshot once the view is ready. */
  show(ref: VersionRef): Promise<void> {
    this.shownRef = ref;
    return this.refresh();
  }

  protected async handleModels(_message: ViewMessage): Promise<boolean> {
    return false;
  }

  protected async pushSnapshot(): Promise<void> {
    const ref = this.shownRef;
    const page = await this.client.request(RegistryVersionRequest, ref);
    const evalSet = page.evaluations[0]?.evalSet;
    const modelEvaluations = evalSet
      ? (await this.client.request(EvaluationListRequest, { name: ref.name, evalSet })).evaluations
      : [];
    this.post({ type: MessageType.ModelVersionSnapshot, page, modelEvaluations });
    this.host.shown?.(page);
  }
}
