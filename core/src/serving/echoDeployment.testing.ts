import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../store';
import {
  serveDeployment,
  type DeploymentOptions,
  type RunningDeployment,
  type VariantOptions,
} from './deployment';
import { echoWorker } from './echoWorker.testing';
import { InferenceLog } from './inferenceLog';

/** The Python that runs the echo worker. */
export const ECHO_PYTHON = process.env.SEXTANT_PYTHON || 'python3';

/**
 * The deployment the serving tests share: the echo worker (no model) behind a champion, a
 * challenger and a shadow `mirror`, named `echo-api`, its requests logged to an inference log in
 * a temporary store that {@link close} removes.
 */
export class EchoDeployment {
  readonly dir: string;
  /** The echo worker's script (`script` of the deployment's options). */
  readonly script: string;
  readonly db: Database.Database;
  readonly log: InferenceLog;
  private served: RunningDeployment | undefined;

  /** @param flushMs how often the inference log writes its rows. */
  constructor(prefix: string, flushMs: number) {
    ({ dir: this.dir, script: this.script } = echoWorker(prefix));
    this.db = openDatabase(path.join(this.dir, 'store'), { create: true });
    this.log = new InferenceLog(this.db, { flushMs });
  }

  /** One variant of model `echo` served by the echo worker. */
  variant(name: string, version: string, weight: number, shadow = false): VariantOptions {
    return {
      name,
      model: 'echo',
      version,
      modelDir: this.dir,
      python: ECHO_PYTHON,
      weight,
      shadow,
    };
  }

  /**
   * Serves `echo-api`: champion (version 1) and challenger (version 2) at the weights given and
   * the shadow mirror (version 3), with `options` added; resolves once every replica is ready.
   */
  async start(
    weights: { champion: number; challenger: number },
    options: Partial<DeploymentOptions> = {},
  ): Promise<RunningDeployment> {
    this.served = await serveDeployment({
      name: 'echo-api',
      variants: [
        this.variant('champion', '1', weights.champion),
        this.variant('challenger', '2', weights.challenger),
        this.variant('mirror', '3', 0, true),
      ],
      script: this.script,
      log: this.log,
      ...options,
    });
    await this.served.ready;
    return this.served;
  }

  /** Stops the deployment and removes the store and the worker's folder. */
  async close(): Promise<void> {
    await this.served?.close();
    this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
