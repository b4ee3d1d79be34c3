import type { FastifyInstance } from 'fastify';
import { encodeCell, parseCellExecution, type TrackingService } from '../../tracking';
import { endpoint } from '../endpoint';
import { objectList, requiredString, stringList } from '../request';

/** Sextant's own API prefix, beside MLflow's, for what MLflow has no endpoint for. */
export const SEXTANT_API = '/api/2.0/sextant';

/** Notebook cell tracking: the `%sextant` magics record cells, the IDEs read them. */
export function cellRoutes(app: FastifyInstance, tracking: TrackingService): void {
  endpoint(
    app,
    'POST',
    '/cells/log',
    async (f) => {
      await tracking.logCells(
        requiredString(f, 'run_id'),
        objectList(f, 'cells').map(parseCellExecution),
      );
      return {};
    },
    SEXTANT_API,
  );

  endpoint(
    app,
    'GET',
    '/cells/list',
    async (f) => ({
      cells: (await tracking.listCells(requiredString(f, 'run_id'))).map(encodeCell),
    }),
    SEXTANT_API,
  );

  endpoint(
    app,
    'POST',
    '/cells/find',
    async (f) => ({ cells: (await tracking.findCells(stringList(f, 'cell_ids'))).map(encodeCell) }),
    SEXTANT_API,
  );
}
