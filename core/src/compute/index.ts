/**
 * Compute: where a step runs. Backends (local processes, the step launcher, Ray jobs), the
 * contracts they fill ({@link ComputeBackend}, {@link StepLaunch}), the machine's resources and
 * the workspace as a step sees it, and the per-requirements virtual environments that steps and
 * model workers run in.
 */
import type { RayBackend } from './ray';

export {
  wholeEnvironment,
  type ComputeBackend,
  type StepEnvironment,
  type StepLaunch,
  type StepOutcome,
  type StepPlacement,
} from './contracts';
export {
  clampTo,
  gpuIdsOf,
  gpuVariables,
  machineCapacity,
  ResourcePool,
  visibleGpus,
  type Amounts,
  type Capacity,
  type Held,
} from './resources';
export { insideRoot, NOT_CONTENT, walkFolder, type WalkedFile } from './workspace';
export { scriptOf, shippedPython } from './scripts';
export { findPython, LAUNCHER_SWITCH, LauncherBackend, localBackend } from './launcher';
export {
  DEFAULT_KILL_GRACE_MS,
  killGroup,
  LocalBackend,
  LOCAL_PID_PREFIX,
  stopOrphanedGroup,
} from './local';
export { PooledBackend } from './pooled';
export {
  collectEnvironments,
  provisionEnvironment,
  type EnvironmentCollection,
  type ProvisionEnvironment,
} from './environments';
export { processAlive } from './processAlive';
export type { RayBackend, RayBackendOptions, RayJobStatus } from './ray';

/**
 * The Ray backend's class, loaded on first use: a pipeline without a Ray step never pays for the
 * Ray client (its WebSocket and zip code).
 */
export function rayBackendClass(): typeof RayBackend {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, synchronous
  return (require('./ray') as typeof import('./ray')).RayBackend;
}
