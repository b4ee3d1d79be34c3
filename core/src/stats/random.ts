/**
 * Seeded pseudo-random numbers: a 32-bit Mersenne Twister (MT19937, @stdlib's `randu`) and the normal and
 * beta samplers @stdlib builds on it. The same seed gives the same sequence on every machine, so
 * simulations, bandit choices and benchmarks repeat exactly.
 */
import { invalid } from '../model/errors';
import betaSampler from '@stdlib/random-base-beta';
import uniformSampler from '@stdlib/random-base-randu';
import normalSampler from '@stdlib/random-base-normal';

/** A seeded source of random numbers. */
export interface Rng {
  /** The seed it started from. */
  readonly seed: number;
  /** A uniform number in [0, 1). */
  uniform(): number;
  /** A uniform integer in [0, n). */
  integer(n: number): number;
  /** A normal number with the given mean and standard deviation. */
  normal(mean?: number, sd?: number): number;
  /** A Beta(alpha, beta) number. */
  beta(alpha: number, beta: number): number;
}

/** The largest seed MT19937 takes (seeds are integers from 1 to this). */
export const MAX_SEED = 4294967295;

/** A generator seeded with `seed`, an integer from 1 to {@link MAX_SEED}. */
export function seededRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 1 || seed > MAX_SEED)
    throw invalid(`a seed is an integer from 1 to ${MAX_SEED}; got ${seed}`);
  const uniform = uniformSampler.factory({ seed, name: 'mt19937' });
  const normal = normalSampler.factory({ prng: uniform });
  const beta = betaSampler.factory({ prng: uniform });
  return {
    seed,
    uniform: () => uniform(),
    integer: (n) => Math.floor(uniform() * n),
    normal: (mean = 0, sd = 1) => normal(mean, sd),
    beta: (a, b) => beta(a, b),
  };
}
