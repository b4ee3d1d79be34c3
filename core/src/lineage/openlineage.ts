import { createHash } from 'node:crypto';
import type { PipelineRun, StepRun } from '../model/pipeline';
import type { StoredEdge } from './store';

/** Who emits the events (the OpenLineage `producer` and `_producer` fields). */
export const OPENLINEAGE_PRODUCER = 'urn:sextant:core';
const RUN_EVENT_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const PARENT_FACET_SCHEMA =
  'https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet';
const VERSION_FACET_SCHEMA =
  'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet';
const ERROR_FACET_SCHEMA =
  'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet';
/** The custom dataset facet carrying Sextant's content digest. */
const DIGEST_FACET_SCHEMA = 'urn:sextant:facets:SextantDigestDatasetFacet:1-0-0';

/** An OpenLineage dataset with its facets. */
export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets: Record<string, Record<string, unknown>>;
}

/** An OpenLineage RunEvent (spec 2-0-2). */
export interface OpenLineageRunEvent {
  eventType: 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Record<string, unknown>> };
  job: { namespace: string; name: string; facets: Record<string, unknown> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/** A UUID for an id: itself when it is one, a 32-hex id laid out as one, else derived by hash. */
export function asUuid(id: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return id;
  const hex = /^[0-9a-f]{32}$/i.test(id)
    ? id.toLowerCase()
    : createHash('sha256').update(id).digest('hex').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const facet = (schema: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  _producer: OPENLINEAGE_PRODUCER,
  _schemaURL: schema,
  ...fields,
});

function dataset(namespace: string, edge: StoredEdge): OpenLineageDataset {
  return {
    namespace,
    name: edge.artifact.path,
    facets: {
      version: facet(VERSION_FACET_SCHEMA, { datasetVersion: edge.artifact.digest }),
      sextant_digest: facet(DIGEST_FACET_SCHEMA, { digest: edge.artifact.digest }),
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The OpenLineage events of one pipeline run: for each step that executed (ran or came from the
 * cache), a START and a COMPLETE or FAIL (ABORT when cancelled) event, the job named
 * `<pipeline>.<step>` in `namespace`, its inputs and outputs the artifact versions it consumed
 * and produced (digest in the `version` facet and a `sextant_digest` facet), and a `parent` facet
 * naming the pipeline run.
 */
export function openLineageEvents(
  run: PipelineRun,
  edges: StoredEdge[],
  namespace: string,
): OpenLineageRunEvent[] {
  const events: OpenLineageRunEvent[] = [];
  const parentRunId = asUuid(run.pipelineRunId);
  for (const step of run.steps) {
    if (step.startTime === undefined) continue;
    const mine = edges.filter(
      (e) => e.execution.pipelineRunId === run.pipelineRunId && e.execution.step === step.step,
    );
    const base = {
      producer: OPENLINEAGE_PRODUCER,
      schemaURL: RUN_EVENT_SCHEMA,
      job: { namespace, name: `${run.pipeline}.${step.step}`, facets: {} },
      inputs: mine.filter((e) => e.relation === 'consumed').map((e) => dataset(namespace, e)),
    };
    const runFacets = {
      parent: facet(PARENT_FACET_SCHEMA, {
        run: { runId: parentRunId },
        job: { namespace, name: run.pipeline },
      }),
    };
    const runId = asUuid(step.runId ?? `${run.pipelineRunId}/${step.step}`);
    events.push({
      ...base,
      eventType: 'START',
      eventTime: iso(step.startTime),
      run: { runId, facets: runFacets },
      outputs: [],
    });
    const end = endType(step);
    if (!end) continue;
    events.push({
      ...base,
      eventType: end,
      eventTime: iso(step.endTime ?? step.startTime),
      run: {
        runId,
        facets: {
          ...runFacets,
          ...(end !== 'COMPLETE' && step.reason
            ? {
                errorMessage: facet(ERROR_FACET_SCHEMA, {
                  message: step.reason,
                  programmingLanguage: 'shell',
                }),
              }
            : {}),
        },
      },
      outputs: mine.filter((e) => e.relation === 'produced').map((e) => dataset(namespace, e)),
    });
  }
  return events;
}

function endType(step: StepRun): OpenLineageRunEvent['eventType'] | undefined {
  switch (step.status) {
    case 'done':
    case 'cached':
      return 'COMPLETE';
    case 'failed':
      return 'FAIL';
    case 'cancelled':
      return 'ABORT';
    default:
      return undefined;
  }
}
