import { Gauge, type Registry } from 'prom-client';
import type { VariantReplicas } from './deployment';

/** `sextant_serving_deployment_replicas{deployment, variant, state}`: target, ready, starting. */
export function registerReplicaGauge(
  registry: Registry,
  deployment: string,
  replicas: () => Record<string, VariantReplicas>,
): void {
  new Gauge({
    name: 'sextant_serving_deployment_replicas',
    help: 'Replicas of each variant of a deployment: asked for (target), ready and starting',
    labelNames: ['deployment', 'variant', 'state'] as const,
    registers: [registry],
    collect() {
      for (const [variant, r] of Object.entries(replicas())) {
        this.set({ deployment, variant, state: 'target' }, r.target);
        this.set({ deployment, variant, state: 'ready' }, r.ready);
        this.set({ deployment, variant, state: 'starting' }, r.starting);
      }
    },
  });
}
