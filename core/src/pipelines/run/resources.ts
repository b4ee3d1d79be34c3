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
} from '../../compute';
