/**
 * Statistics shared by online experiments and monitoring: distribution functions with SciPy's
 * precision and a seeded random number generator. Pure functions, no IO.
 */
export {
  chiSquaredSf,
  normalCdf,
  normalQuantile,
  normalSf,
  studentTQuantile,
  studentTSf,
} from './distributions';
export { MAX_SEED, seededRng, type Rng } from './random';
