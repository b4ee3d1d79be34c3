/**
 * Sticky assignment: a unit (user, session, request key) always lands in the same variant of an
 * experiment. The unit's key and the experiment's salt are hashed with SHA-256 (@noble/hashes);
 * the first 52 bits give a point in [0, 1) that falls into one variant's share of the weights.
 * Different experiments (salts) assign independently.
 */
import { invalid } from '../model/errors';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';

/** A variant and its share of the traffic (any non-negative weights; they are normalized). */
export interface WeightedVariant {
  name: string;
  weight: number;
}

/** The unit's point in [0, 1) for an experiment salt, uniform over keys. */
export function unitPoint(salt: string, unitKey: string): number {
  const digest = sha256(utf8ToBytes(`${salt}\u0000${unitKey}`));
  let point = 0;
  for (let i = 0; i < 6; i++) point = point * 256 + (digest[i] as number);
  point = point * 16 + ((digest[6] as number) >> 4);
  return point / 2 ** 52;
}

/** Checks weights and returns their cumulative shares. */
function cumulativeShares(variants: readonly WeightedVariant[]): number[] {
  if (variants.length === 0) throw invalid('an experiment needs at least one variant');
  const names = new Set<string>();
  let total = 0;
  for (const v of variants) {
    if (names.has(v.name)) throw invalid(`variant '${v.name}' is listed twice`);
    names.add(v.name);
    if (!(v.weight >= 0 && Number.isFinite(v.weight)))
      throw invalid(`variant '${v.name}' has weight ${v.weight}; weights are >= 0`);
    total += v.weight;
  }
  if (!(total > 0)) throw invalid('at least one variant needs a positive weight');
  let acc = 0;
  return variants.map((v) => (acc += v.weight / total));
}

/** The variant a unit is assigned to: the same key and salt always give the same answer. */
export function assignVariant(
  salt: string,
  unitKey: string,
  variants: readonly WeightedVariant[],
): string {
  const shares = cumulativeShares(variants);
  const point = unitPoint(salt, unitKey);
  for (let i = 0; i < variants.length; i++)
    if (point < (shares[i] as number) && (variants[i] as WeightedVariant).weight > 0)
      return (variants[i] as WeightedVariant).name;
  for (let i = variants.length - 1; i >= 0; i--)
    if ((variants[i] as WeightedVariant).weight > 0) return (variants[i] as WeightedVariant).name;
  throw new Error('unreachable: a positive weight was checked');
}
