import type { WorkerResult } from './worker';

/** A graph's result with the latency of each node and step it ran (`node.step`), in ms. */
export type GraphResult = WorkerResult & { nodeLatencyMs?: Record<string, number> };

/** The request parameter (OIP `parameters`) that asks for node latencies in the answer. */
export const NODE_LATENCY_PARAMETER = 'node_latency';

/** Node latencies as a `Server-Timing` header value: `main;dur=12.3, main.reg;dur=8.1`. */
export function serverTiming(timings: Record<string, number>): string {
  return Object.entries(timings)
    .map(([name, ms]) => `${name};dur=${ms}`)
    .join(', ');
}
