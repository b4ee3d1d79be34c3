import { badRequest } from './errors';
import type { SchemaField, WorkerReady } from './worker';

/** The Open Inference Protocol's tensor datatypes. */
export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

/** A tensor's metadata: `$metadata_tensor` of the protocol. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** A model's metadata: `$metadata_model_response` of the protocol. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

const COLUMN_TYPES: Record<string, string> = {
  boolean: 'BOOL',
  integer: 'INT32',
  long: 'INT64',
  float: 'FP32',
  double: 'FP64',
  string: 'BYTES',
  binary: 'BYTES',
  datetime: 'BYTES',
};

const NUMPY_TYPES: Record<string, string> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  str: 'BYTES',
  object: 'BYTES',
};

/** The tensors of an MLflow schema, as OIP metadata (columns become `[-1]` tensors). */
export function tensorsOf(fields: SchemaField[] | null, fallbackName: string): TensorMetadata[] {
  return (fields ?? []).map((field, i) => {
    const spec = field['tensor-spec'];
    if (spec) {
      return {
        name: field.name ?? (i === 0 ? fallbackName : `${fallbackName}_${i}`),
        datatype: NUMPY_TYPES[spec.dtype] ?? 'BYTES',
        shape: spec.shape,
      };
    }
    return {
      name: field.name ?? (i === 0 ? fallbackName : `${fallbackName}_${i}`),
      datatype: COLUMN_TYPES[field.type] ?? 'BYTES',
      shape: [-1],
    };
  });
}

/** The model's metadata from its signature. */
export function modelMetadata(name: string, version: string, ready: WorkerReady): ModelMetadata {
  return {
    name,
    versions: [version],
    platform: 'mlflow_pyfunc',
    inputs: tensorsOf(ready.inputs, 'input'),
    outputs: tensorsOf(ready.outputs, 'predictions'),
  };
}

const isInteger = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const ELEMENT_CHECKS: Record<string, [(v: unknown) => boolean, string]> = {
  BOOL: [(v) => typeof v === 'boolean', 'true or false'],
  BYTES: [(v) => typeof v === 'string', 'strings'],
  FP: [(v) => typeof v === 'number', 'numbers'],
  INT: [isInteger, 'whole numbers'],
};

function checkOf(datatype: string): [(v: unknown) => boolean, string] {
  if (datatype === 'BOOL' || datatype === 'BYTES') return ELEMENT_CHECKS[datatype]!;
  return datatype.startsWith('FP') ? ELEMENT_CHECKS.FP! : ELEMENT_CHECKS.INT!;
}

/** A request to `/infer`, checked; `text` is what the worker takes. */
export interface InferRequest {
  id?: string;
  /** The outputs the caller asked for (all when absent). */
  outputs?: string[];
  text: string;
}

const asObject = (value: unknown, what: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
};

/**
 * Checks an inference request against the protocol and the model's signature: every input has
 * a name, a shape of whole numbers, a known datatype and as many elements as its shape holds,
 * each of its datatype; no input is named twice; the inputs a column signature requires are all
 * there. Nested `data` is flattened (row-major), as the protocol allows.
 * @throws ServingError 400 naming the first thing that is wrong.
 */
export function checkInferRequest(body: unknown, ready: WorkerReady): InferRequest {
  const request = asObject(body, 'the inference request');
  if (!Array.isArray(request.inputs) || request.inputs.length === 0) {
    throw badRequest("the inference request needs 'inputs': a non-empty list of tensors");
  }
  const seen = new Set<string>();
  const inputs = request.inputs.map((raw, i) => {
    const tensor = asObject(raw, `input ${i}`);
    const name = tensor.name;
    if (typeof name !== 'string' || name === '') {
      throw badRequest(`input ${i} needs a 'name'`);
    }
    if (seen.has(name)) throw badRequest(`input '${name}' is given twice`);
    seen.add(name);
    const { shape, datatype, data } = tensor;
    if (!Array.isArray(shape) || !shape.every((d) => isInteger(d) && (d as number) >= 0)) {
      throw badRequest(`input '${name}': 'shape' must be a list of whole numbers ≥ 0`);
    }
    if (typeof datatype !== 'string' || !(OIP_DATATYPES as readonly string[]).includes(datatype)) {
      throw badRequest(
        `input '${name}': datatype ${JSON.stringify(datatype)} is not one of ${OIP_DATATYPES.join(', ')}`,
      );
    }
    if (!Array.isArray(data)) throw badRequest(`input '${name}' needs 'data': a list`);
    const flat = (data as unknown[]).flat(Infinity);
    const expected = (shape as number[]).reduce((a, b) => a * b, 1);
    if (flat.length !== expected) {
      throw badRequest(
        `input '${name}': shape [${(shape as number[]).join(', ')}] holds ${expected} elements but 'data' has ${flat.length}`,
      );
    }
    const [check, what] = checkOf(datatype);
    const wrong = flat.findIndex((v) => !check(v));
    if (wrong >= 0) {
      throw badRequest(
        `input '${name}': datatype ${datatype} takes ${what}; element ${wrong} is ${JSON.stringify(flat[wrong])}`,
      );
    }
    return { name, shape, datatype, data: flat };
  });
  checkAgainstSignature(inputs, ready);
  let outputs: string[] | undefined;
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs)) throw badRequest("'outputs' must be a list");
    outputs = request.outputs.map((o, i) => {
      const name = asObject(o, `output ${i}`).name;
      if (typeof name !== 'string') throw badRequest(`output ${i} needs a 'name'`);
      return name;
    });
  }
  const parameters = request.parameters === undefined ? {} : { parameters: request.parameters };
  return {
    ...(typeof request.id === 'string' ? { id: request.id } : {}),
    ...(outputs ? { outputs } : {}),
    text: JSON.stringify({ oip: { inputs, ...parameters } }),
  };
}

function checkAgainstSignature(
  inputs: { name: string; shape: number[] }[],
  ready: WorkerReady,
): void {
  if (!ready.inputs || ready.inputsAreTensors) return;
  const columns = ready.inputs.filter((f) => f.name !== undefined);
  if (columns.length === 0) return;
  const names = new Set(columns.map((f) => f.name!));
  const byColumn = inputs.length > 1 || names.has(inputs[0]!.name);
  if (!byColumn) return;
  for (const input of inputs) {
    if (!names.has(input.name)) {
      throw badRequest(
        `input '${input.name}' is not an input of this model; it takes ${[...names].join(', ')}`,
      );
    }
  }
  const given = new Set(inputs.map((i) => i.name));
  const missing = columns.filter((f) => f.required !== false && !given.has(f.name!));
  if (missing.length > 0) {
    throw badRequest(`missing input ${missing.map((f) => `'${f.name}'`).join(', ')}`);
  }
}
