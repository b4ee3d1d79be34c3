import type { FastifyInstance } from 'fastify';
import type { CellsAnswer, CellsLogAnswer } from '../../model';
import { encodeCell, parseCellExecution, type TrackingService } from '../../tracking';
import { endpoint } from '../endpoint';
import { objectList, requiredString, stringList } from '../request';

/** Sextant's own API prefix, beside MLflow's, for what MLflow has no endpoint for. */
export const SEXTANT_API = '/api/2.0/sextant';

/**
 * Notebook cell tracking: the `%sextant` magics record cells, the IDEs read them. The bodies and
 * answers are typed in `model/cellsHttp.ts` and listed in the language server's contract
 * (`CellsLogRoute`, `CellsListRoute`, `CellsFindRoute`).
 */
export function cellRoutes(app: FastifyInstance, tracking: TrackingService): void {
  endpoint(
    app,
    'POST',
    '/cells/log',
    async (f): Promise<CellsLogAnswer> => {
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
    async (f): Promise<CellsAnswer> => ({
      cells: (await tracking.listCells(requiredString(f, 'run_id'))).map(encodeCell),
    }),
    SEXTANT_API,
  );

  endpoint(
    app,
    'POST',
    '/cells/find',
    async (f): Promise<CellsAnswer> => ({
      cells: (await tracking.findCells(stringList(f, 'cell_ids'))).map(encodeCell),
    }),
    SEXTANT_API,
  );
}
