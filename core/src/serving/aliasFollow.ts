import type { RegistryService } from '../registry';
import type { DeploymentState } from './deploymentRecords';
import { aliasOf } from './promotion';

/** A variant served through an alias whose alias now names another version. */
export interface MovedAlias {
  variant: string;
  model: string;
  alias: string;
  /** The version the variant serves, and the one the alias names now. */
  from: string;
  to: string;
}

/**
 * The variants of a state served through an alias (`models:/name@alias`) whose alias names
 * another version in the registry now. A variant whose alias is unset stays as it is.
 */
export async function movedAliases(
  registry: Pick<RegistryService, 'getVersionByAlias'>,
  state: DeploymentState,
): Promise<MovedAlias[]> {
  const moved: MovedAlias[] = [];
  for (const v of state.variants) {
    const ref = aliasOf(v.uri);
    if (!ref || ref.model !== v.model) continue;
    let to: string;
    try {
      to = (await registry.getVersionByAlias(ref.model, ref.alias)).version;
    } catch {
      continue;
    }
    if (to !== v.version) {
      moved.push({ variant: v.name, model: ref.model, alias: ref.alias, from: v.version, to });
    }
  }
  return moved;
}

/**
 * The weights a deployment that follows its aliases serves after some of its variants rolled
 * (`rolled`, their names; none when it starts). A variant other than the champion that rolled
 * to a version other than the champion's is a new challenger: the traffic goes back to the
 * declared weights. Otherwise the weights stay as they are (a rollback's or a person's choice
 * holds). Either way a variant serving the champion's own version (a challenger before the first
 * retraining, or just promoted) takes no traffic, its share going to the champion.
 */
export function followedWeights(
  state: DeploymentState,
  declared: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
  rolled: readonly string[] = [],
): Record<string, number> {
  const championName = state.champion ?? 'champion';
  const champion = state.variants.find((v) => v.name === championName);
  const sameAsChampion = (v: DeploymentState['variants'][number]): boolean =>
    !!champion && v.model === champion.model && v.version === champion.version;
  const challenger = state.variants.some(
    (v) => rolled.includes(v.name) && !v.shadow && v.name !== championName && !sameAsChampion(v),
  );
  const weights: Record<string, number> = {};
  for (const v of state.variants) {
    if (v.shadow) continue;
    weights[v.name] = (challenger ? declared[v.name] : current[v.name]) ?? v.weight;
  }
  if (!champion || weights[champion.name] === undefined) return weights;
  for (const v of state.variants) {
    if (v.shadow || v.name === champion.name || !sameAsChampion(v)) continue;
    weights[champion.name]! += weights[v.name]!;
    weights[v.name] = 0;
  }
  return weights;
}
