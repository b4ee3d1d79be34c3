import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBinaryRequest } from './binaryTensors';
import { ServingError } from './errors';
import { checkInferRequest, modelMetadata } from './oip';
import { invocationItem } from './scoring';
import type { WorkerReady } from './worker';

const COLUMNS: WorkerReady = {
  pid: 1,
  inputs: [
    { name: 'a', type: 'double', required: true },
    { name: 'b', type: 'long', required: true },
    { name: 'c', type: 'string', required: false },
  ],
  outputs: [{ type: 'long' }],
  params: null,
  inputsAreTensors: false,
  mlflowVersion: '3.17.2',
};

const rejects = (fn: () => unknown, status: number, message: RegExp): void =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ServingError);
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });

const tensor = (name: string, datatype: string, shape: number[], data: unknown[]) => ({
  name,
  datatype,
  shape,
  data,
});

describe('OIP inference requests', () => {
  it('passes a well-formed request on, nested data flattened', () => {
    const checked = checkInferRequest(
      {
        id: 'r1',
        inputs: [tensor('a', 'FP64', [2], [1.5, 2]), tensor('b', 'INT64', [2, 1], [[1], [2]])],
        outputs: [{ name: 'predictions' }],
      },
      COLUMNS,
    );
    assert.equal(checked.id, 'r1');
    assert.deepEqual(checked.outputs, ['predictions']);
    assert.deepEqual(JSON.parse(checked.text), {
      oip: {
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP64', data: [1.5, 2] },
          { name: 'b', shape: [2, 1], datatype: 'INT64', data: [1, 2] },
        ],
      },
    });
  });

  it('refuses wrong shapes, datatypes, names and missing inputs with 400', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /non-empty list of tensors/],
      [[], /must be a JSON object/],
      [{ inputs: [tensor('a', 'FP64', [3], [1, 2])] }, /holds 3 elements but 'data' has 2/],
      [{ inputs: [tensor('a', 'FP64', [-1], [])] }, /whole numbers ≥ 0/],
      [{ inputs: [tensor('a', 'FLOAT', [1], [1])] }, /is not one of BOOL/],
      [{ inputs: [tensor('a', 'INT64', [1], [1.5])] }, /takes whole numbers; element 0 is 1.5/],
      [{ inputs: [tensor('a', 'BOOL', [1], [1])] }, /takes true or false/],
      [{ inputs: [tensor('a', 'BYTES', [1], [1])] }, /takes strings/],
      [{ inputs: [tensor('a', 'FP64', [1], [1]), tensor('a', 'FP64', [1], [1])] }, /given twice/],
      [{ inputs: [tensor('a', 'FP64', [1], [1])] }, /missing input 'b'$/],
      [
        { inputs: [tensor('a', 'FP64', [1], [1]), tensor('z', 'FP64', [1], [1])] },
        /'z' is not an input of this model; it takes a, b, c/,
      ],
      [{ inputs: [{ shape: [1], datatype: 'FP64', data: [1] }] }, /input 0 needs a 'name'/],
    ];
    for (const [body, message] of cases)
      rejects(() => checkInferRequest(body, COLUMNS), 400, message);
  });

  it('takes one [rows, columns] tensor not named by a column as it is', () => {
    const checked = checkInferRequest(
      { inputs: [tensor('x', 'FP32', [1, 3], [1, 2, 3])] },
      COLUMNS,
    );
    assert.match(checked.text, /"name":"x"/);
  });

  it('describes the model from its signature', () => {
    assert.deepEqual(modelMetadata('m', '3', COLUMNS), {
      name: 'm',
      versions: ['3'],
      platform: 'mlflow_pyfunc',
      inputs: [
        { name: 'a', datatype: 'FP64', shape: [-1] },
        { name: 'b', datatype: 'INT64', shape: [-1] },
        { name: 'c', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [{ name: 'predictions', datatype: 'INT64', shape: [-1] }],
    });
    const tensors = modelMetadata('t', '1', {
      ...COLUMNS,
      inputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 28, 28] } }],
      outputs: null,
      inputsAreTensors: true,
    });
    assert.deepEqual(tensors.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 28, 28] }]);
    assert.deepEqual(tensors.outputs, []);
  });
});

describe('binary tensor data', () => {
  it('fills each input from its bytes, little-endian, BYTES length-prefixed', () => {
    const header = JSON.stringify({
      inputs: [
        { name: 'f', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
        { name: 'i', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } },
        { name: 's', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 11 } },
        { name: 'j', datatype: 'BOOL', shape: [1], data: [true] },
      ],
    });
    const f = Buffer.alloc(8);
    f.writeFloatLE(1.5, 0);
    f.writeFloatLE(-2, 4);
    const i = Buffer.alloc(8);
    i.writeBigInt64LE(-7n, 0);
    const s = Buffer.concat([
      Buffer.from([2, 0, 0, 0]),
      Buffer.from('hi'),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from('x'),
    ]);
    const body = Buffer.concat([Buffer.from(header), f, i, s]);
    const request = readBinaryRequest(body, Buffer.byteLength(header)) as {
      inputs: { data: unknown[] }[];
    };
    assert.deepEqual(
      request.inputs.map((x) => x.data),
      [[1.5, -2], [-7], ['hi', 'x'], [true]],
    );
  });

  it('refuses sizes that do not fit the body', () => {
    const header = JSON.stringify({
      inputs: [{ name: 'f', datatype: 'FP64', shape: [1], parameters: { binary_data_size: 8 } }],
    });
    rejects(() => readBinaryRequest(Buffer.from(header), 999), 400, /does not fit/);
    rejects(
      () => readBinaryRequest(Buffer.from(header), Buffer.byteLength(header)),
      400,
      /runs past the body/,
    );
    rejects(
      () =>
        readBinaryRequest(
          Buffer.concat([Buffer.from(header), Buffer.alloc(9)]),
          Buffer.byteLength(header),
        ),
      400,
      /1 bytes that no input/,
    );
  });
});

describe("MLflow's scoring protocol", () => {
  it('wraps JSON inputs and CSV for the worker', () => {
    const body = '{"dataframe_split":{"columns":["a"],"data":[[1]]},"params":{"k":1}}';
    assert.equal(invocationItem('application/json', body), `{"mlflow":${body}}`);
    assert.equal(
      invocationItem('application/json; charset=utf-8', '{"inputs":[1]}'),
      '{"mlflow":{"inputs":[1]}}',
    );
    assert.deepEqual(JSON.parse(invocationItem('text/csv', 'a,b\n1,2\n')), { csv: 'a,b\n1,2\n' });
  });

  it('answers bad bodies with 400 and other content types with 415, as mlflow does', () => {
    rejects(() => invocationItem('application/json', '{"inputs": ['), 400, /not valid JSON/);
    rejects(() => invocationItem('application/json', '[1, 2]'), 400, /JSON object/);
    rejects(
      () => invocationItem('application/json', '{"inputs": 1, "instances": 2}'),
      400,
      /exactly one of the keys .*; it has inputs, instances/,
    );
    rejects(() => invocationItem('text/plain', 'x'), 415, /only supports/);
    rejects(() => invocationItem('application/json; charset=latin-1', '{}'), 415, /UTF-8/);
  });
});
