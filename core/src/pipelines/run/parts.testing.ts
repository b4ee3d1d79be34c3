import type Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from '../../artifacts';
import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import { openDatabase } from '../../store';
import { SqliteTrackingStore, TrackingService } from '../../tracking';
import { testLocation } from '../../testing/steps';
import { ContentCache } from './cache';
import { FileHasher } from './fileHash';
import { RunRecorder } from './recorder';
import type { ActiveRun } from './runState';
import { StepLogs } from './stepLogs';

/** Test helper: a store in a temporary folder with the runner's recording parts over it. */
export interface TestStore {
  dir: string;
  db: Database.Database;
  tracking: TrackingService;
  artifacts: LocalArtifactStore;
  hasher: FileHasher;
  cache: ContentCache;
  recorder: RunRecorder;
  logs: StepLogs;
  close(): Promise<void>;
}

/** Test helper: opens a {@link TestStore}. */
export function openTestStore(): TestStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-parts-'));
  const db = openDatabase(dir, { create: true });
  const tracking = new TrackingService(new SqliteTrackingStore(db));
  const artifacts = new LocalArtifactStore(path.join(dir, 'artifacts'));
  const hasher = new FileHasher(db, [dir]);
  const cache = new ContentCache(path.join(dir, 'cache'), hasher);
  const recorder = new RunRecorder({ db, tracking, artifacts, cache });
  const logs = new StepLogs(path.join(dir, 'pipelines', 'logs'), recorder.stepTracking);
  return {
    dir,
    db,
    tracking,
    artifacts,
    hasher,
    cache,
    recorder,
    logs,
    async close() {
      recorder.flush();
      await tracking.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Test helper: a pipeline of `steps` in the workspace `root`. */
export function testPipeline(root: string, steps: ResolvedStep[], name = 'demo'): ResolvedPipeline {
  return {
    name,
    file: path.join(root, 'sextant.yaml'),
    root,
    steps,
    compute: [],
    triggers: [],
    location: testLocation,
  };
}

/** Test helper: a run of `pipeline` as the runner holds it while it drives it (not recorded). */
export function testActiveRun(pipeline: ResolvedPipeline, pipelineRunId = 'run-1'): ActiveRun {
  const run = {
    pipelineRunId,
    pipeline: pipeline.name,
    file: pipeline.file,
    status: 'running' as const,
    trigger: { kind: 'manual' as const },
    startTime: Date.now(),
    forced: false,
    steps: pipeline.steps.map((s) => ({
      step: s.name,
      status: 'queued' as const,
      compute: s.compute,
      attempts: 0,
    })),
  };
  return {
    run,
    pipeline,
    controller: new AbortController(),
    parent: { runId: 'parent', experimentId: '0', artifactLocation: '' },
    finished: Promise.resolve(run),
    attempts: new Set(),
    stepIndex: new Map(run.steps.map((s, i) => [s.step, i])),
  };
}
