/**
 * The wire types of Sextant's own HTTP routes for notebook cells (`/api/2.0/sextant/cells/*`),
 * which the `%sextant` magics call from the kernel: snake_case JSON, as MLflow's REST API beside
 * them. Listed in the language server's contract (`protocol.ts`, `PROTOCOL.md`) with the requests.
 */
import type { CellLogged } from './tracking';

/** One executed cell as a kernel sends it to `POST /api/2.0/sextant/cells/log`. */
export interface CellPayload {
  /** The frontend's cell id (nbformat 4.5 `id`); empty or absent when it sent none. */
  cell_id?: string;
  execution_count?: number | null;
  /** At most 1,000,000 characters; the server hashes it (see `sourceHash`). */
  source: string;
  /** Epoch milliseconds. */
  start_time: number;
  duration_ms: number;
  status: 'ok' | 'error';
  /** `ExceptionType: message`; kept to 2000 characters. */
  error?: string;
  /** Keys logged while the cell ran; each list empty when absent. */
  logged?: Partial<CellLogged>;
  /** The notebook's path, when the kernel knows it. */
  notebook?: string;
}

/** A recorded cell as the routes answer it. */
export interface CellRecordPayload {
  /** The run the cell was recorded against (`cells/find` only). */
  run_id?: string;
  cell_id: string;
  execution_count: number | null;
  source: string;
  /** `sourceHash` of `source`: SHA-256 hex of the UTF-8 source with line ends read as `\n`. */
  source_hash: string;
  start_time: number;
  duration_ms: number;
  status: 'ok' | 'error';
  error?: string;
  logged: CellLogged;
  notebook?: string;
}

/** Body of `POST /api/2.0/sextant/cells/log`: at most 100 cells. */
export interface CellsLogBody {
  run_id: string;
  cells: CellPayload[];
}

/** Answer of `POST /api/2.0/sextant/cells/log`: an empty object. */
export type CellsLogAnswer = Record<string, never>;

/** Query of `GET /api/2.0/sextant/cells/list`. */
export interface CellsListQuery {
  run_id: string;
}

/** Body of `POST /api/2.0/sextant/cells/find`: at most 10,000 cell ids. */
export interface CellsFindBody {
  cell_ids: string[];
}

/** Answer of `GET /api/2.0/sextant/cells/list` (in execution order) and `POST .../cells/find`. */
export interface CellsAnswer {
  cells: CellRecordPayload[];
}
