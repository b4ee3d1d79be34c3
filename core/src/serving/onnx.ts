import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { badRequest, ServingError } from './errors';
import { shippedPython } from '../compute';
import type { Runtime } from './runtime';
import type { SchemaField, WorkerReady, WorkerResult } from './worker';

/** The converter shipped with core: `core/python/sextant_onnx.py` or beside a bundle. */
export const ONNX_SCRIPT = shippedPython('sextant_onnx.py');

/** How far the converted model may stray from the original on the parity rows. */
export const DEFAULT_PARITY_TOLERANCE = 1e-4;

/** How the converted model compared with the original. */
export interface ParityReport {
  rows: number;
  /** Largest absolute difference of numeric predictions (0 for labels that all match). */
  maxAbsDiff: number;
  /** Rows whose predicted label differs. */
  mismatches: number;
}

interface Converted {
  columns: string[];
  inputs: SchemaField[];
  outputs: SchemaField[] | null;
  mlflow_version: string;
}

function runConverter(python: string, modelDir: string, outDir: string): Promise<Converted> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [ONNX_SCRIPT, modelDir, outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.once('error', (error) =>
      reject(new Error(`cannot run the ONNX converter: ${error.message}`)),
    );
    child.once('close', () => {
      const last = out.trim().split('\n').pop() ?? '';
      let parsed: (Converted & { error?: string }) | undefined;
      try {
        parsed = JSON.parse(last) as Converted & { error?: string };
      } catch {
        return reject(
          new Error(`the ONNX conversion failed: ${err.trim().split('\n').slice(-5).join('\n')}`),
        );
      }
      if (parsed.error)
        return reject(new Error(`the model cannot be converted to ONNX: ${parsed.error}`));
      resolve(parsed);
    });
  });
}

const asNumber = (value: unknown): number => {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  throw badRequest(`the ONNX runtime takes numbers; got ${JSON.stringify(value)}`);
};

/** A matrix of rows in the signature's column order, from one request's item. */
export function rowsOf(item: Record<string, unknown>, columns: string[]): number[][] {
  const fromRecords = (records: unknown[]): number[][] =>
    records.map((record, i) => {
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw badRequest(`row ${i} is not an object of column values`);
      }
      return columns.map((c) => {
        if (!(c in record)) throw badRequest(`row ${i} has no column '${c}'`);
        return asNumber((record as Record<string, unknown>)[c]);
      });
    });
  const fromColumns = (byName: Record<string, unknown>): number[][] => {
    const lists = columns.map((c) => {
      const list = byName[c];
      if (!Array.isArray(list)) throw badRequest(`missing input '${c}'`);
      return list.flat(Infinity);
    });
    const n = lists[0]?.length ?? 0;
    if (lists.some((l) => l.length !== n))
      throw badRequest('the input columns have different lengths');
    return Array.from({ length: n }, (_, r) => lists.map((l) => asNumber(l[r])));
  };
  const fromMatrix = (matrix: unknown[], names?: unknown): number[][] => {
    const order = Array.isArray(names)
      ? columns.map((c) => {
          const at = names.indexOf(c);
          if (at < 0) throw badRequest(`missing column '${c}'`);
          return at;
        })
      : columns.map((_, i) => i);
    return matrix.map((row, i) => {
      if (!Array.isArray(row) || (!Array.isArray(names) && row.length !== columns.length)) {
        throw badRequest(`row ${i} must be a list of ${columns.length} values`);
      }
      return order.map((at) => asNumber(row[at]));
    });
  };
  if ('csv' in item) {
    const lines = String(item.csv)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
    return fromMatrix(
      lines.map((l) => l.split(',')),
      header,
    );
  }
  if ('oip' in item) {
    const inputs = (item.oip as { inputs: { name: string; shape: number[]; data: unknown[] }[] })
      .inputs;
    if (inputs.length === 1 && !columns.includes(inputs[0]!.name)) {
      const only = inputs[0]!;
      const width = only.shape.length === 2 ? only.shape[1]! : 1;
      if (width !== columns.length) {
        throw badRequest(
          `the input tensor has ${width} columns; the model takes ${columns.length}: ${columns.join(', ')}`,
        );
      }
      const rows: unknown[][] = [];
      for (let r = 0; r < only.data.length / width; r++)
        rows.push(only.data.slice(r * width, (r + 1) * width));
      return fromMatrix(rows);
    }
    return fromColumns(Object.fromEntries(inputs.map((t) => [t.name, t.data])));
  }
  const body = item.mlflow as Record<string, unknown>;
  if (body.params !== undefined) throw badRequest('the ONNX runtime takes no params');
  const split = body.dataframe_split as { columns?: unknown; data?: unknown } | undefined;
  if (split) {
    if (!Array.isArray(split.data))
      throw badRequest("dataframe_split needs 'data': a list of rows");
    return fromMatrix(split.data, split.columns);
  }
  if (Array.isArray(body.dataframe_records)) return fromRecords(body.dataframe_records);
  const given = body.inputs ?? body.instances;
  if (Array.isArray(given)) {
    return given.every((r) => Array.isArray(r)) ? fromMatrix(given) : fromRecords(given);
  }
  if (typeof given === 'object' && given !== null)
    return fromColumns(given as Record<string, unknown>);
  throw badRequest('the ONNX runtime takes rows of the model’s columns');
}

type Ort = typeof import('onnxruntime-node');

/** onnxruntime-node, loaded on demand (about 300 MB of native code), or an error saying how to get it. */
function loadOnnxRuntime(): Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand: ~300 MB of native code
    return require('onnxruntime-node') as Ort;
  } catch (error) {
    throw new Error(
      `--runtime onnx needs the onnxruntime-node package, which this install does not carry (${(error as Error).message.split('\n')[0]}); install it with \`npm install onnxruntime-node@1.31.1\` beside Sextant, or serve with --runtime python`,
    );
  }
}

const plain = (tensor: Tensor): unknown[] =>
  Array.from(tensor.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));

const OIP_OF: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
  bool: 'BOOL',
};

/**
 * A scikit-learn model converted to ONNX at deploy time (skl2onnx, in the model's Python) and run
 * in-process with onnxruntime-node. Its first output is the prediction (the label of a
 * classifier, the value of a regressor); the others (probabilities) are OIP outputs too.
 */
export class OnnxRuntime implements Runtime {
  readonly ready: Promise<WorkerReady>;
  readonly isReady = true;
  readonly failed = undefined;
  readonly queueDepth = 0;
  readonly replicaCounts = { ready: 1, starting: 0 };

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly columns: string[],
    signature: WorkerReady,
    private readonly workDir: string,
  ) {
    this.ready = Promise.resolve(signature);
  }

  /**
   * Converts the model, loads it, and checks it against the original's predictions on the
   * parity rows. @throws Error naming why it cannot serve (no conversion, parity past tolerance).
   */
  static async start(options: {
    python: string;
    modelDir: string;
    tolerance?: number;
  }): Promise<{ runtime: OnnxRuntime; parity: ParityReport }> {
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sextant-onnx-'));
    try {
      const converted = await runConverter(options.python, options.modelDir, workDir);
      const ort = loadOnnxRuntime();
      const session = await ort.InferenceSession.create(path.join(workDir, 'model.onnx'));
      const runtime = new OnnxRuntime(
        ort,
        session,
        converted.columns,
        {
          pid: process.pid,
          inputs: converted.inputs,
          outputs: converted.outputs,
          params: null,
          inputsAreTensors: false,
          mlflowVersion: converted.mlflow_version,
        },
        workDir,
      );
      const parity = await runtime.parity(options.tolerance ?? DEFAULT_PARITY_TOLERANCE);
      return { runtime, parity };
    } catch (error) {
      await fs.rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  private async parity(tolerance: number): Promise<ParityReport> {
    const file = JSON.parse(await fs.readFile(path.join(this.workDir, 'parity.json'), 'utf8')) as {
      rows: number[][];
      expected: unknown[];
    };
    const got = plain(await this.predict(file.rows));
    let maxAbsDiff = 0;
    let mismatches = 0;
    file.expected.forEach((want, i) => {
      const have = got[i];
      if (typeof want === 'number' && typeof have === 'number') {
        const diff = Math.abs(want - have);
        maxAbsDiff = Math.max(maxAbsDiff, diff);
        if (!Number.isInteger(want) || !Number.isInteger(have)) return;
      }
      if (String(want) !== String(have)) mismatches++;
    });
    const report = { rows: file.rows.length, maxAbsDiff, mismatches };
    if (mismatches > 0 || maxAbsDiff > tolerance) {
      throw new Error(
        `the ONNX conversion does not match the model on ${report.rows} rows: ${mismatches} labels differ, max abs diff ${maxAbsDiff} (tolerance ${tolerance}); serve it with --runtime python`,
      );
    }
    return report;
  }

  private async predict(rows: number[][]): Promise<Tensor> {
    return (await this.run(rows))[this.session.outputNames[0]!]!;
  }

  private run(rows: number[][]): Promise<InferenceSession.OnnxValueMapType> {
    const data = Float32Array.from(rows.flat());
    const input = new this.ort.Tensor('float32', data, [rows.length, this.columns.length]);
    return this.session.run({ [this.session.inputNames[0]!]: input });
  }

  async submit(text: string): Promise<WorkerResult> {
    const item = JSON.parse(text) as Record<string, unknown>;
    let rows: number[][];
    try {
      rows = rowsOf(item, this.columns);
    } catch (error) {
      if (error instanceof ServingError) return { error: error.message, status: error.status };
      throw error;
    }
    const outputs = await this.run(rows);
    const names = this.session.outputNames;
    const first = plain(outputs[names[0]!]!);
    if (!('oip' in item)) return { predictions: first };
    return {
      outputs: names.map((name, i) => {
        const tensor = outputs[name]!;
        const dims =
          tensor.dims.length === 2 && tensor.dims[1] === 1 && i === 0
            ? [tensor.dims[0]!]
            : [...tensor.dims];
        return {
          name: i === 0 ? 'predictions' : name,
          shape: dims,
          datatype: OIP_OF[tensor.type] ?? 'BYTES',
          data: plain(tensor),
        };
      }),
    };
  }

  async stop(): Promise<void> {
    await this.session.release();
    await fs.rm(this.workDir, { recursive: true, force: true });
  }
}
