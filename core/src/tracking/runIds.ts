import { v7 as uuidv7 } from 'uuid';

/** The artifact URI of run `runId` in an experiment whose artifact location is `location`. */
export const runArtifactUri = (location: string, runId: string): string =>
  `${location}/${runId}/artifacts`;

/**
 * A new run id: 32 hex digits, as MLflow's, from a time-ordered UUID (version 7, RFC 9562), so
 * that the runs of a busy pipeline go to the end of the run-id index instead of a random page
 * each (every page a commit touches is written again).
 */
export const newRunId = (): string => uuidv7().replace(/-/g, '');
