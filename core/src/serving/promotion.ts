import { invalid } from '../model/errors';
import type { RegistryService } from '../registry';
import type {
  DeploymentActor,
  DeploymentEvent,
  DeploymentRecords,
  DeploymentState,
} from './deploymentRecords';

/** `models:/name@alias` to its name and alias, else undefined. */
export function aliasOf(uri: string): { model: string; alias: string } | undefined {
  const match = /^models:\/([^/@]+)@([A-Za-z0-9_-]+)$/.exec(uri);
  return match ? { model: match[1]!, alias: match[2]! } : undefined;
}

/** The weights of a state's non-shadow variants. */
export const weightsOf = (state: DeploymentState): Record<string, number> =>
  Object.fromEntries(state.variants.filter((v) => !v.shadow).map((v) => [v.name, v.weight]));

/** A state with some variants' weights changed. */
export const withWeights = (
  state: DeploymentState,
  weights: Record<string, number>,
): DeploymentState => ({
  ...state,
  variants: state.variants.map((v) =>
    weights[v.name] !== undefined ? { ...v, weight: weights[v.name]! } : v,
  ),
});

/** What a promotion needs: the registry, the deployment records, and a way to set live weights. */
export interface PromotionHost {
  registry: RegistryService;
  deployments: DeploymentRecords;
  /**
   * Sets the weights of the deployment while it runs and returns those it now serves; undefined
   * when it is not running (the weights apply when it is next up).
   */
  applyWeights(weights: Record<string, number>): Promise<Record<string, number> | undefined>;
}

/**
 * Promotes a challenger of a deployment in one recorded step: the champion's registry alias
 * moves to the challenger's version, all traffic goes to the challenger, and a `promote` event
 * records both (with `details` added: an experiment's decision and its evidence). `variant`
 * may be left out when there is one challenger.
 * @throws SextantError INVALID_PARAMETER_VALUE when the champion is not served through an alias,
 *   the variant is not a challenger, or it serves another model.
 */
export async function promoteVariant(
  host: PromotionHost,
  name: string,
  options: { variant?: string; actor: DeploymentActor; details?: Record<string, unknown> },
): Promise<{
  event: DeploymentEvent;
  model: string;
  alias: string;
  from: string;
  to: string;
  running: boolean;
}> {
  const state = host.deployments.get(name).state;
  const champion = state.variants.find((v) => v.name === (state.champion ?? 'champion'));
  const alias = champion ? aliasOf(champion.uri) : undefined;
  if (!champion || !alias) {
    throw invalid(
      `deployment '${name}' has no champion served through an alias (models:/<name>@<alias>) to move`,
    );
  }
  const others = state.variants.filter((v) => !v.shadow && v.name !== champion.name);
  const challenger = options.variant
    ? others.find((v) => v.name === options.variant)
    : others.length === 1
      ? others[0]
      : undefined;
  if (!challenger) {
    throw invalid(
      options.variant
        ? `deployment '${name}' has no challenger variant '${options.variant}'; it has ${others.map((v) => v.name).join(', ') || 'none'}`
        : `name the variant to promote with --variant (${others.map((v) => v.name).join(', ') || 'there is none'})`,
    );
  }
  if (challenger.model !== alias.model) {
    throw invalid(
      `variant '${challenger.name}' serves '${challenger.model}', not '${alias.model}': the alias ${alias.alias} cannot point at it`,
    );
  }
  const from = (await host.registry.getVersionByAlias(alias.model, alias.alias)).version;
  const before = weightsOf(state);
  const target = Object.fromEntries(
    Object.keys(before).map((v) => [v, v === challenger.name ? 100 : 0]),
  );
  await host.registry.setAlias(alias.model, alias.alias, challenger.version, options.actor);
  const applied = await host.applyWeights(target);
  const after = applied ?? target;
  const event = host.deployments.record(name, 'promote', options.actor, withWeights(state, after), {
    model: alias.model,
    alias: alias.alias,
    from,
    to: challenger.version,
    variant: challenger.name,
    before,
    after,
    ...options.details,
  });
  return {
    event,
    model: alias.model,
    alias: alias.alias,
    from,
    to: challenger.version,
    running: applied !== undefined,
  };
}
