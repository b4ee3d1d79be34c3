/**
 * Feedback: the outcome of a served prediction (a label, a reward in [0, 1] or a continuous
 * value), joined by request id to the request the inference log kept, whenever it arrives; from
 * the serving endpoint (`POST /v2/sextant/feedback`) or a CSV/Parquet file. What online
 * experiments, bandits and monitoring's performance windows read.
 */
export type {
  FeedbackItem,
  FeedbackOutcome,
  FeedbackQuery,
  FeedbackResult,
  VariantTraffic,
} from './model';
export { MAX_FEEDBACK_ITEMS, parseFeedbackBody, parseFeedbackItem, parseTime } from './parse';
export { parseCsv, readFeedbackFile } from './file';
export { FeedbackStore, type RecordContext } from './store';
