import type {
  DeploymentEvent,
  DeploymentStats,
  InferenceLogRow,
  SupervisedDeployment,
} from '@sextant/core';
import type {
  ServingDeploymentSummary,
  ServingEvent,
  ServingLoggedRequest,
  ServingSnippets,
  ServingTestRequest,
} from '../protocol';

/** A recorded deployment as the views show it, with its last minute's figures when given. */
export function deploymentSummary(
  record: SupervisedDeployment,
  stats?: DeploymentStats,
): ServingDeploymentSummary {
  return {
    name: record.name,
    status: record.running ? 'running' : 'stopped',
    ...(record.running && record.state.url ? { url: record.state.url } : {}),
    variants: record.state.variants.map((v) => ({
      name: v.name,
      model: v.model,
      version: v.version,
      uri: v.uri,
      weight: v.weight,
      shadow: v.shadow,
      replicas: v.replicas,
    })),
    ...(record.state.champion ? { champion: record.state.champion } : {}),
    lastUpdateTime: record.lastUpdateTime,
    ...(stats
      ? {
          live: {
            requestRate: stats.total.requestRate,
            errorRate: stats.total.errorRate,
            p50Ms: stats.total.p50Ms,
            p99Ms: stats.total.p99Ms,
          },
        }
      : {}),
  };
}

/** A deployment that `sextant.yaml` declares and that was never deployed. */
export function declaredSummary(name: string): ServingDeploymentSummary {
  return { name, status: 'declared', variants: [] };
}

/** A recorded change with the weights after it. */
export function servingEvent(event: DeploymentEvent): ServingEvent {
  return {
    kind: event.kind,
    time: event.time,
    user: event.user,
    ...(event.reason ? { reason: event.reason } : {}),
    weights: Object.fromEntries(
      event.state.variants.filter((v) => !v.shadow).map((v) => [v.name, v.weight]),
    ),
    details: event.details,
  };
}

/** A row of the inference log. */
export function loggedRequest(row: InferenceLogRow): ServingLoggedRequest {
  return {
    requestId: row.requestId,
    time: row.time,
    ...(row.variant ? { variant: row.variant } : {}),
    model: row.model,
    version: row.version,
    protocol: row.protocol,
    status: row.status,
    latencyMs: row.latencyMs,
    ...(row.inputs !== undefined ? { inputs: row.inputs } : {}),
    ...(row.outputs !== undefined ? { outputs: row.outputs } : {}),
    ...(row.error !== undefined ? { error: row.error } : {}),
  };
}

/** Quotes text for a POSIX shell. */
const shellQuoted = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** How to call a deployment at `url` with the test request: curl and Python. */
export function servingSnippets(url: string, request: ServingTestRequest): ServingSnippets {
  const endpoint = `${url}${request.path}`;
  const compact = (() => {
    try {
      return JSON.stringify(JSON.parse(request.body));
    } catch {
      return request.body;
    }
  })();
  return {
    url: endpoint,
    curl: `curl -s -X POST ${endpoint} -H 'Content-Type: application/json' -d ${shellQuoted(compact)}`,
    python: [
      'import json',
      'import requests',
      '',
      `payload = json.loads(${JSON.stringify(compact)})`,
      `response = requests.post(${JSON.stringify(endpoint)}, json=payload, timeout=30)`,
      'print(response.status_code, response.json())',
      '',
    ].join('\n'),
  };
}
