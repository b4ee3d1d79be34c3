import type { FeedbackStore } from '../feedback';
import type { PromotionHost } from '../serving';
import type { ExperimentEvents } from './events';

/**
 * What an experiment acts through: the feedback and its own record, and the deployment's
 * records, registry and live weights (the running router in the serving process; the admin
 * route from another one).
 */
export interface ExperimentHost extends PromotionHost {
  feedback: FeedbackStore;
  events: ExperimentEvents;
}
