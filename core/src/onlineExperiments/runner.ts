import type { ExperimentSpec } from '../serving';
import { seededRng } from '../stats';
import { allocate } from './bandit';
import { concluded, decideExperiment } from './decide';
import type { ExperimentHost } from './host';

/** An experiment running beside its deployment. */
export interface RunningExperiment {
  /** One bandit move now (bandits only). */
  allocateNow(): Promise<void>;
  /** One decision look now. */
  decideNow(): Promise<void>;
  stop(): void;
}

/**
 * Runs a deployment's experiment while it is served: a bandit moves the weights every
 * `bandit.every_s` (seeded: the same feedback gives the same moves), and the decision rules look
 * every `decide.every_s` (0: only when asked). The spec is recorded as an experiment `start`
 * event, so reports find it without sextant.yaml. Errors go to `onError`; the loops stop when
 * the experiment has ended.
 */
export function startExperiment(
  host: ExperimentHost,
  name: string,
  spec: ExperimentSpec,
  onError: (error: unknown) => void,
): RunningExperiment {
  host.events.add({ deployment: name, kind: 'start', time: Date.now(), details: { spec } });
  const rng = seededRng(spec.bandit?.seed ?? 1);
  let busy = false;
  const guarded = (work: () => Promise<unknown>) => async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      if (!concluded(host, name)) await work();
    } catch (error) {
      onError(error);
    } finally {
      busy = false;
    }
  };
  const allocateNow = guarded(() => allocate(host, name, spec, rng));
  const decideNow = guarded(() => decideExperiment(host, name, spec, { apply: true }));
  const timers: NodeJS.Timeout[] = [];
  if (spec.bandit) timers.push(setInterval(() => void allocateNow(), spec.bandit.everyS * 1000));
  if (spec.decide.everyS > 0) {
    timers.push(setInterval(() => void decideNow(), spec.decide.everyS * 1000));
  }
  for (const t of timers) t.unref();
  return {
    allocateNow,
    decideNow,
    stop: () => timers.forEach((t) => clearInterval(t)),
  };
}

/**
 * Starts the deployment's experiment afresh while it runs, because a variant now serves
 * another version (a new challenger rolled in): an experiment `start` event with the reason, after
 * which the decisions judge only requests served since, and an experiment that had ended
 * (promoted or rolled back) decides again.
 */
export function restartExperiment(
  host: Pick<ExperimentHost, 'events'>,
  name: string,
  spec: ExperimentSpec,
  reason: string,
  now = Date.now(),
): void {
  host.events.add({
    deployment: name,
    kind: 'start',
    time: now,
    details: { spec, restarted: true, reason },
  });
}
