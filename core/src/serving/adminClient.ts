import { processAlive } from '../compute';
import { invalid } from '../model/errors';
import type { DeploymentState } from './deploymentRecords';

/** Whether a recorded deployment is being served now (its recorded process is alive). */
export function isServing(state: DeploymentState): boolean {
  return state.status === 'running' && !!state.pid && !!state.url && processAlive(state.pid);
}

/**
 * Posts to the admin route `action` (`traffic`, `scale`, `update`) of a deployment served by
 * another process (loopback, with SEXTANT_TOKEN when set); answers its JSON.
 * @throws SextantError INVALID_PARAMETER_VALUE when the deployment refuses.
 */
export async function adminPost(
  name: string,
  state: DeploymentState,
  action: string,
  body: unknown,
): Promise<unknown> {
  const token = process.env.SEXTANT_TOKEN;
  const url = new URL(state.url!);
  const host = url.hostname === '0.0.0.0' || url.hostname === '[::]' ? '127.0.0.1' : url.hostname;
  const response = await fetch(
    `http://${host}:${url.port}/v2/sextant/deployments/${encodeURIComponent(name)}/${action}`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    },
  );
  const answer = (await response.json()) as { error?: string };
  if (!response.ok) {
    const what = action === 'traffic' ? 'the weights' : `the ${action}`;
    throw invalid(`deployment '${name}' refused ${what}: ${answer.error}`);
  }
  return answer;
}

/**
 * Tells a deployment served by another process its new weights; returns the weights it now
 * serves.
 * @throws SextantError INVALID_PARAMETER_VALUE when the deployment refuses them.
 */
export async function sendWeights(
  name: string,
  state: DeploymentState,
  weights: Record<string, number>,
): Promise<Record<string, number>> {
  const answer = (await adminPost(name, state, 'traffic', { weights })) as {
    weights: Record<string, number>;
  };
  return answer.weights;
}

/** Live weights for a deployment served elsewhere: sent when it runs, undefined when it does not. */
export const remoteWeights =
  (name: string, state: DeploymentState) =>
  async (weights: Record<string, number>): Promise<Record<string, number> | undefined> =>
    isServing(state) ? sendWeights(name, state, weights) : undefined;
