/** The outcome of one served prediction, as a caller reports it. */
export interface FeedbackItem {
  /** The `X-Request-Id` of the served request. */
  requestId: string;
  /** A label (classification truth), a reward in [0, 1], or a continuous value. */
  kind: 'label' | 'reward' | 'value';
  /** The label, as text (kind `label`). */
  label?: string;
  /** The reward or the value (kinds `reward` and `value`). */
  value?: number;
  /** When the outcome happened, ms since the epoch (default: when it was received). */
  time?: number;
}

/** What recording a batch of feedback did. */
export interface FeedbackResult {
  /** Items stored (an item for a request that already had feedback replaces it). */
  recorded: number;
  /** Request ids with no logged request (of the deployment, when one was named): not stored. */
  unknownRequestIds: string[];
}

/** Feedback joined to the request it judges. */
export interface FeedbackOutcome {
  requestId: string;
  deployment?: string;
  variant?: string;
  model: string;
  version: string;
  /** When the request was served, ms since the epoch. */
  requestTime: number;
  /** The request's unit key (the deployment's sticky header), when it had one. */
  unit?: string;
  /** The answer's HTTP status and latency, from the inference log. */
  status: number;
  latencyMs: number;
  kind: FeedbackItem['kind'];
  label?: string;
  value?: number;
  /** When the outcome happened. */
  time: number;
  /** The request's input and output (only when asked for: they can be large). */
  inputs?: string;
  outputs?: string;
}

/** Which requests a query covers: one deployment (and variant), in a window of request times. */
export interface FeedbackQuery {
  deployment: string;
  variant?: string;
  /** Requests served at or after this time (ms since the epoch). */
  since?: number;
  /** Requests served before this time. */
  until?: number;
}

/** A variant's served requests of one model version in a window: what its guardrails are judged on. */
export interface VariantTraffic {
  variant: string;
  model: string;
  version: string;
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  /** Latencies of every answer, ms, ascending. */
  latenciesMs: Float64Array;
  /** When each request answered without an error (status < 400) was served, ascending. */
  answeredTimes: Float64Array;
  /** The unit of each answered request (its unit key, else its request id), as answeredTimes. */
  answeredUnits: string[];
  /** Requests that have feedback. */
  withFeedback: number;
}
