/**
 * The HTTP server over one engine: MLflow's REST API (tracking, logged models, artifacts),
 * Sextant's cell and pipeline hooks, and Prometheus metrics.
 */
export {
  assertBindAllowed,
  buildServer,
  SERVER_VERSION,
  startServer,
  type RunningServer,
  type ServerOptions,
} from './app';
export {
  publishServer,
  readServerFile,
  SERVER_FILE,
  type PublishedServer,
  type PublishOptions,
  type ServerFile,
} from './serverFile';
