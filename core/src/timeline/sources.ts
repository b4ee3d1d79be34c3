import type { MonitoringService } from '../monitoring';
import type { ExperimentEvents } from '../onlineExperiments';
import type { PipelineService } from '../pipelines';
import type { RegistryService } from '../registry';
import type { DeploymentRecords } from '../serving';
import type { TrackingService } from '../tracking';

/**
 * The services whose records a timeline joins (the engine has them all): read only, never
 * written.
 */
export interface TimelineSources {
  tracking: Pick<TrackingService, 'experimentsWithRunTag' | 'searchRuns'>;
  pipelines: Pick<PipelineService, 'listRuns'>;
  registry: Pick<RegistryService, 'history' | 'getVersion'>;
  deployments: Pick<DeploymentRecords, 'list' | 'events'>;
  experimentEvents: Pick<ExperimentEvents, 'list'>;
  monitoring: Pick<MonitoringService, 'alerts'>;
}
