/**
 * Autoscaling on concurrency, as Knative's autoscaler (KPA) decides: the replicas wanted are the
 * average number of requests in flight over a window divided by the target per replica; a long
 * stable window smooths, a short panic window reacts to a burst (and, while panicking, never
 * scales down); a scale-down waits until the lower count has held for the delay.
 */

/** How a deployment scales, with Knative's defaults filled in. */
export interface AutoscalingConfig {
  /** Requests in flight (queued or in a worker) one replica should hold on average. */
  targetConcurrency: number;
  /** The window of the stable average, in ms (Knative: 60 s). */
  stableWindowMs: number;
  /** The window of the panic average, in ms (Knative: 10 % of the stable window). */
  panicWindowMs: number;
  /** Panic when the panic window wants this many times the ready replicas (Knative: 2, 200 %). */
  panicThreshold: number;
  /** A lower count is applied only once every decision over this long wanted no more (ms). */
  scaleDownDelayMs: number;
}

/** Knative's defaults (target concurrency is Sextant's: a Python worker answers one frame at a time). */
export const AUTOSCALING_DEFAULTS: AutoscalingConfig = {
  targetConcurrency: 2,
  stableWindowMs: 60_000,
  panicWindowMs: 6_000,
  panicThreshold: 2,
  scaleDownDelayMs: 0,
};

/** The average concurrency measured over one interval ending at `time` (ms). */
export interface ConcurrencySample {
  time: number;
  concurrency: number;
}

/** What the decider remembers between decisions (start with {@link initialScalerState}). */
export interface ScalerState {
  /** When panic mode began, if panicking. */
  panicSince?: number;
  /** The last time the panic condition held. */
  panicLastSeen?: number;
  /** The highest count wanted while panicking (panic mode never goes below it). */
  panicDesired?: number;
  /** Recent decisions, for the scale-down delay. */
  recommendations: { time: number; desired: number }[];
}

/** A decision and what it rests on (kept as the evidence of a scale event). */
export interface ScaleDecision {
  /** Replicas wanted, within the bounds. */
  desired: number;
  mode: 'stable' | 'panic';
  /** Average concurrency over the stable and the panic windows. */
  stableConcurrency: number;
  panicConcurrency: number;
  /** Replicas each window alone would want (before the bounds and the delay). */
  stableDesired: number;
  panicDesired: number;
  readyReplicas: number;
  state: ScalerState;
}

/** The state of a decider that has decided nothing yet. */
export const initialScalerState = (): ScalerState => ({ recommendations: [] });

/** Fills a partial configuration with Knative's defaults (the panic window: 10 % of the stable one). */
export function autoscalingConfig(partial: Partial<AutoscalingConfig> = {}): AutoscalingConfig {
  const stableWindowMs = partial.stableWindowMs ?? AUTOSCALING_DEFAULTS.stableWindowMs;
  return {
    ...AUTOSCALING_DEFAULTS,
    ...partial,
    stableWindowMs,
    panicWindowMs: partial.panicWindowMs ?? stableWindowMs / 10,
  };
}

/** The mean concurrency of the samples taken in (now - windowMs, now]; 0 when there are none. */
export function windowAverage(
  samples: readonly ConcurrencySample[],
  now: number,
  windowMs: number,
): number {
  let sum = 0;
  let count = 0;
  for (const s of samples) {
    if (s.time > now - windowMs && s.time <= now) {
      sum += s.concurrency;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * One autoscaling decision, a pure function of the samples, the clock and the previous state:
 * desired = ceil(average concurrency / target) over the stable window; panic mode begins when the
 * panic window's average wants at least `panicThreshold` × the ready replicas, only scales up while
 * it lasts, and ends once the condition has not held for a stable window; a count lower than one
 * wanted within the scale-down delay waits; the result is clamped to [min, max].
 */
export function decideReplicas(input: {
  samples: readonly ConcurrencySample[];
  now: number;
  readyReplicas: number;
  min: number;
  max: number;
  config: AutoscalingConfig;
  state: ScalerState;
}): ScaleDecision {
  const { samples, now, min, max, config } = input;
  const ready = Math.max(1, input.readyReplicas);
  const stableConcurrency = windowAverage(samples, now, config.stableWindowMs);
  const panicConcurrency = windowAverage(samples, now, config.panicWindowMs);
  const stableDesired = Math.ceil(stableConcurrency / config.targetConcurrency - 1e-9);
  const panicDesired = Math.ceil(panicConcurrency / config.targetConcurrency - 1e-9);
  const overThreshold =
    panicConcurrency / config.targetConcurrency / ready >= config.panicThreshold;

  let { panicSince, panicLastSeen, panicDesired: held } = input.state;
  if (overThreshold) {
    panicSince ??= now;
    panicLastSeen = now;
  } else if (
    panicSince !== undefined &&
    now - (panicLastSeen ?? panicSince) >= config.stableWindowMs
  ) {
    panicSince = undefined;
    panicLastSeen = undefined;
    held = undefined;
  }
  const panicking = panicSince !== undefined;
  let wanted: number;
  if (panicking) {
    wanted = Math.max(panicDesired, held ?? 0, ready);
    held = wanted;
  } else {
    wanted = stableDesired;
  }
  wanted = Math.min(max, Math.max(min, wanted));

  const recommendations = [
    ...input.state.recommendations.filter((r) => r.time > now - config.scaleDownDelayMs),
    { time: now, desired: wanted },
  ];
  const desired = Math.max(...recommendations.map((r) => r.desired));
  return {
    desired,
    mode: panicking ? 'panic' : 'stable',
    stableConcurrency,
    panicConcurrency,
    stableDesired,
    panicDesired,
    readyReplicas: input.readyReplicas,
    state: {
      ...(panicSince !== undefined ? { panicSince } : {}),
      ...(panicLastSeen !== undefined ? { panicLastSeen } : {}),
      ...(held !== undefined ? { panicDesired: held } : {}),
      recommendations,
    },
  };
}

/**
 * The time-weighted number of requests in flight: {@link change} at each arrival and departure,
 * {@link take} the average since the last take.
 */
export class ConcurrencyMeter {
  private current = 0;
  private area = 0;
  private since: number;
  private last: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.since = clock();
    this.last = this.since;
  }

  /** Requests in flight now. */
  get value(): number {
    return this.current;
  }

  /** One more (+1) or one fewer (-1) request in flight. */
  change(delta: number): void {
    const now = this.clock();
    this.area += this.current * (now - this.last);
    this.last = now;
    this.current += delta;
  }

  /** The average in flight since the previous take (the current count when no time passed). */
  take(): number {
    const now = this.clock();
    this.area += this.current * (now - this.last);
    const span = now - this.since;
    const average = span > 0 ? this.area / span : this.current;
    this.area = 0;
    this.since = now;
    this.last = now;
    return average;
  }
}

/** Why the autoscaler changed the replicas: the decision and the windows it used. */
export interface ScaleEvidence {
  from: number;
  to: number;
  mode: 'stable' | 'panic';
  stableConcurrency: number;
  panicConcurrency: number;
  targetConcurrency: number;
  readyReplicas: number;
  stableWindowMs: number;
  panicWindowMs: number;
  panicThreshold: number;
  scaleDownDelayMs: number;
}

/** What an autoscaler drives: the measure of concurrency and the replicas. */
export interface ScaleTarget {
  readonly meter: ConcurrencyMeter;
  readonly replicaCounts: { ready: number; starting: number };
  /** The replicas asked for (ready, starting). */
  readonly targetReplicas: number;
  scaleTo(replicas: number): Promise<void>;
}

export interface AutoscalerOptions {
  target: ScaleTarget;
  min: number;
  max: number;
  config: AutoscalingConfig;
  /** Called at each change, before it is applied, with its evidence. */
  onScale?: (evidence: ScaleEvidence) => void;
  /** Between samples, in ms (default: a third of the panic window, 50 ms to 2 s). */
  tickMs?: number;
  clock?: () => number;
}

/**
 * Runs {@link decideReplicas} on a timer over a target's measured concurrency and applies each
 * decision without waiting for new replicas to load (so a growing burst is followed at once);
 * paused while the replicas are set by hand.
 */
export class Autoscaler {
  private readonly samples: ConcurrencySample[] = [];
  private state = initialScalerState();
  private timer: NodeJS.Timeout | undefined;
  private applying: Promise<void> = Promise.resolve();
  private paused = false;
  private readonly clock: () => number;

  constructor(private readonly options: AutoscalerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** The interval between samples. */
  get tickMs(): number {
    return (
      this.options.tickMs ??
      Math.min(2_000, Math.max(50, Math.round(this.options.config.panicWindowMs / 3)))
    );
  }

  /** Whether decisions are applied (false while the replicas are set by hand). */
  get active(): boolean {
    return !this.paused;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops applying decisions (replicas set by hand) or resumes them. */
  pause(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.state = initialScalerState();
  }

  /** Resolves once the last change applied has taken effect (new replicas loaded, old drained). */
  settled(): Promise<void> {
    return this.applying;
  }

  /** Takes one sample, decides, and starts applying the decision; returns it. */
  tick(): ScaleDecision {
    const now = this.clock();
    const { target, config, min, max } = this.options;
    this.samples.push({ time: now, concurrency: target.meter.take() });
    while (this.samples.length > 0 && this.samples[0]!.time <= now - config.stableWindowMs) {
      this.samples.shift();
    }
    const decision = decideReplicas({
      samples: this.samples,
      now,
      readyReplicas: target.replicaCounts.ready,
      min,
      max,
      config,
      state: this.state,
    });
    this.state = decision.state;
    const from = target.targetReplicas;
    if (this.paused || decision.desired === from) return decision;
    this.options.onScale?.({
      from,
      to: decision.desired,
      mode: decision.mode,
      stableConcurrency: round(decision.stableConcurrency),
      panicConcurrency: round(decision.panicConcurrency),
      targetConcurrency: config.targetConcurrency,
      readyReplicas: decision.readyReplicas,
      stableWindowMs: config.stableWindowMs,
      panicWindowMs: config.panicWindowMs,
      panicThreshold: config.panicThreshold,
      scaleDownDelayMs: config.scaleDownDelayMs,
    });
    this.applying = target.scaleTo(decision.desired).catch(() => undefined);
    return decision;
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
