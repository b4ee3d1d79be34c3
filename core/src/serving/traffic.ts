import { invalid } from '../model/errors';
import { assignVariant } from '../online';
import type { Runtime } from './runtime';

/** A variant being served: a model version with its own runtime and share of the traffic. */
export interface LiveVariant {
  name: string;
  model: string;
  version: string;
  runtime: Runtime;
  /** Share of the traffic, normalized over the non-shadow variants. */
  weight: number;
  /** Gets a mirrored copy of each request; its answer is logged, never returned. */
  shadow: boolean;
}

/**
 * Limits on a canary: when a non-champion variant's 5xx rate or p99 latency over the last
 * `windowMs` (with at least `minRequests` answers) passes one, all traffic returns to the
 * champion.
 */
export interface RollbackGuard {
  /** The variant traffic returns to. */
  champion: string;
  windowMs: number;
  minRequests: number;
  /** Share of answers with a 5xx status, 0 to 1. */
  maxErrorRate?: number;
  maxP99Ms?: number;
}

/** Why traffic was returned to the champion: what was measured against which limits. */
export interface RollbackEvidence {
  variant: string;
  champion: string;
  requests: number;
  errors: number;
  errorRate: number;
  p99Ms: number;
  windowMs: number;
  limits: { maxErrorRate?: number; maxP99Ms?: number };
  /** The weights before the rollback. */
  before: Record<string, number>;
}

export interface TrafficOptions {
  /** The salt of sticky assignment (the deployment's name). */
  salt: string;
  guard?: RollbackGuard;
  /** Called once traffic has been returned to the champion. */
  onAutoRollback?: (evidence: RollbackEvidence) => void;
  /** Numbers in [0, 1) for requests without a key (a seeded generator in tests). */
  random?: () => number;
}

interface Outcome {
  time: number;
  error: boolean;
  ms: number;
}

/** A small seeded generator (mulberry32) for reproducible splits. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The traffic of a deployment between its variants: each request goes to one variant by weight
 * (sticky by a request key when one is given: online's {@link assignVariant}, salted with the
 * deployment's name), shadows get a copy; weights change at run time; a canary that passes the
 * guard's limits loses its traffic to the champion.
 */
export class TrafficRouter {
  readonly variants: readonly LiveVariant[];
  private readonly outcomes = new Map<string, Outcome[]>();
  private readonly random: () => number;

  constructor(
    variants: readonly LiveVariant[],
    private readonly options: TrafficOptions,
  ) {
    if (variants.length === 0) throw invalid('a deployment needs at least one variant');
    this.variants = variants;
    this.random = options.random ?? Math.random;
    checkWeights(this.variants, this.weights());
    if (options.guard && !this.find(options.guard.champion, false)) {
      throw invalid(`the rollback guard names champion '${options.guard.champion}', not a variant`);
    }
  }

  /** The current weights of the non-shadow variants. */
  weights(): Record<string, number> {
    return Object.fromEntries(this.served().map((v) => [v.name, v.weight]));
  }

  /** The shadow variants. */
  shadows(): LiveVariant[] {
    return this.variants.filter((v) => v.shadow);
  }

  /**
   * Sets the weights of the variants named (the others keep theirs).
   * @throws SextantError INVALID_PARAMETER_VALUE for an unknown or shadow variant, a bad weight,
   *   or no positive weight left.
   */
  setWeights(weights: Record<string, number>): Record<string, number> {
    const next = { ...this.weights() };
    for (const [name, weight] of Object.entries(weights)) {
      const variant = this.variants.find((v) => v.name === name);
      if (!variant) {
        throw invalid(
          `no variant '${name}' in this deployment; it has ${this.variants.map((v) => v.name).join(', ')}`,
        );
      }
      if (variant.shadow) throw invalid(`variant '${name}' is a shadow: it takes no traffic`);
      next[name] = weight;
    }
    checkWeights(this.variants, next);
    for (const v of this.served()) (v as { weight: number }).weight = next[v.name]!;
    this.outcomes.clear();
    return this.weights();
  }

  /** The variant of one request: by `key` (sticky) when given, else at random by weight. */
  choose(key?: string): LiveVariant {
    const served = this.served();
    if (served.length === 1) return served[0]!;
    if (key !== undefined) {
      return this.find(assignVariant(this.options.salt, key, served), false)!;
    }
    const total = served.reduce((sum, v) => sum + v.weight, 0);
    let point = this.random() * total;
    for (const v of served) {
      if (v.weight <= 0) continue;
      if (point < v.weight) return v;
      point -= v.weight;
    }
    return served.filter((v) => v.weight > 0).at(-1)!;
  }

  /** The served variant with this version, if one. */
  byVersion(version: string): LiveVariant | undefined {
    return this.served().find((v) => v.version === version);
  }

  /** Counts one answer of a variant, and returns traffic to the champion if the canary fails. */
  observe(variant: string, status: number, ms: number, now = Date.now()): void {
    const guard = this.options.guard;
    if (!guard || variant === guard.champion) return;
    const list = this.outcomes.get(variant) ?? [];
    this.outcomes.set(variant, list);
    list.push({ time: now, error: status >= 500, ms });
    while (list.length > 0 && list[0]!.time < now - guard.windowMs) list.shift();
    if (list.length < guard.minRequests) return;
    const errors = list.filter((o) => o.error).length;
    const errorRate = errors / list.length;
    const sorted = list.map((o) => o.ms).sort((a, b) => a - b);
    const p99Ms = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
    const tooManyErrors = guard.maxErrorRate !== undefined && errorRate > guard.maxErrorRate;
    const tooSlow = guard.maxP99Ms !== undefined && p99Ms > guard.maxP99Ms;
    if (!tooManyErrors && !tooSlow) return;
    const before = this.weights();
    this.setWeights(
      Object.fromEntries(this.served().map((v) => [v.name, v.name === guard.champion ? 100 : 0])),
    );
    this.options.onAutoRollback?.({
      variant,
      champion: guard.champion,
      requests: list.length,
      errors,
      errorRate,
      p99Ms,
      windowMs: guard.windowMs,
      limits: {
        ...(guard.maxErrorRate !== undefined ? { maxErrorRate: guard.maxErrorRate } : {}),
        ...(guard.maxP99Ms !== undefined ? { maxP99Ms: guard.maxP99Ms } : {}),
      },
      before,
    });
  }

  private served(): LiveVariant[] {
    return this.variants.filter((v) => !v.shadow);
  }

  private find(name: string, shadow: boolean): LiveVariant | undefined {
    return this.variants.find((v) => v.name === name && v.shadow === shadow);
  }
}

function checkWeights(variants: readonly LiveVariant[], weights: Record<string, number>): void {
  const served = variants.filter((v) => !v.shadow);
  if (served.length === 0) throw invalid('a deployment needs a variant that is not a shadow');
  for (const [name, weight] of Object.entries(weights)) {
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw invalid(`variant '${name}' has weight ${weight}; weights are numbers >= 0`);
    }
  }
  if (!served.some((v) => (weights[v.name] ?? 0) > 0)) {
    throw invalid('at least one variant that is not a shadow needs a positive weight');
  }
}
