import { invalid } from '../model/errors';
import type { DeploymentState } from './deploymentRecords';

/** Whether a recorded deployment is being served now (its recorded process is alive). */
export function isServing(state: DeploymentState): boolean {
  if (state.status !== 'running' || !state.pid || !state.url) return false;
  try {
    process.kill(state.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Tells a deployment served by another process its new weights through its admin route
 * (loopback, with SEXTANT_TOKEN when set); returns the weights it now serves.
 * @throws SextantError INVALID_PARAMETER_VALUE when the deployment refuses them.
 */
export async function sendWeights(
  name: string,
  state: DeploymentState,
  weights: Record<string, number>,
): Promise<Record<string, number>> {
  const token = process.env.SEXTANT_TOKEN;
  const url = new URL(state.url!);
  const host = url.hostname === '0.0.0.0' || url.hostname === '[::]' ? '127.0.0.1' : url.hostname;
  const response = await fetch(
    `http://${host}:${url.port}/v2/sextant/deployments/${encodeURIComponent(name)}/traffic`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ weights }),
    },
  );
  const body = (await response.json()) as { weights?: Record<string, number>; error?: string };
  if (!response.ok) throw invalid(`deployment '${name}' refused the weights: ${body.error}`);
  return body.weights!;
}

/** Live weights for a deployment served elsewhere: sent when it runs, undefined when it does not. */
export const remoteWeights =
  (name: string, state: DeploymentState) =>
  async (weights: Record<string, number>): Promise<Record<string, number> | undefined> =>
    isServing(state) ? sendWeights(name, state, weights) : undefined;
