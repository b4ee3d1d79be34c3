import { badRequest } from './errors';

const READERS: Record<string, [number, (b: Buffer, at: number) => number | bigint | boolean]> = {
  BOOL: [1, (b, at) => b[at] !== 0],
  UINT8: [1, (b, at) => b.readUInt8(at)],
  UINT16: [2, (b, at) => b.readUInt16LE(at)],
  UINT32: [4, (b, at) => b.readUInt32LE(at)],
  UINT64: [8, (b, at) => b.readBigUInt64LE(at)],
  INT8: [1, (b, at) => b.readInt8(at)],
  INT16: [2, (b, at) => b.readInt16LE(at)],
  INT32: [4, (b, at) => b.readInt32LE(at)],
  INT64: [8, (b, at) => b.readBigInt64LE(at)],
  FP32: [4, (b, at) => b.readFloatLE(at)],
  FP64: [8, (b, at) => b.readDoubleLE(at)],
};

function decode(datatype: string, bytes: Buffer, name: string): unknown[] {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    for (let at = 0; at < bytes.length;) {
      if (at + 4 > bytes.length) throw badRequest(`input '${name}': truncated BYTES element`);
      const length = bytes.readUInt32LE(at);
      at += 4;
      if (at + length > bytes.length) throw badRequest(`input '${name}': truncated BYTES element`);
      out.push(bytes.toString('utf8', at, at + length));
      at += length;
    }
    return out;
  }
  if (datatype === 'FP16') {
    throw badRequest(`input '${name}': binary FP16 is not supported; send FP32 or JSON data`);
  }
  const reader = READERS[datatype];
  if (!reader) throw badRequest(`input '${name}': unknown datatype ${JSON.stringify(datatype)}`);
  const [size, read] = reader;
  if (bytes.length % size !== 0) {
    throw badRequest(`input '${name}': ${bytes.length} bytes is not a whole number of ${datatype}`);
  }
  const out: unknown[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const value = read(bytes, at);
    out.push(typeof value === 'bigint' ? Number(value) : value);
  }
  return out;
}

/**
 * Reads a request of the protocol's binary tensor data extension (as `tritonclient` sends by
 * default): the first `headerLength` bytes are the JSON request, the rest the raw data of the
 * inputs whose `parameters.binary_data_size` says how many bytes each takes, in order. Returns
 * the JSON request with each such input's `data` filled in (little-endian, BYTES as 4-byte
 * length-prefixed strings).
 * @throws ServingError 400 when the sizes and the body disagree.
 */
export function readBinaryRequest(body: Buffer, headerLength: number): unknown {
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
    throw badRequest(
      `Inference-Header-Content-Length ${headerLength} does not fit a body of ${body.length} bytes`,
    );
  }
  let request: unknown;
  try {
    request = JSON.parse(body.toString('utf8', 0, headerLength));
  } catch (error) {
    throw badRequest(`the request header is not valid JSON: ${(error as Error).message}`);
  }
  const inputs = (request as { inputs?: unknown }).inputs;
  if (!Array.isArray(inputs)) return request;
  let at = headerLength;
  for (const input of inputs as Record<string, unknown>[]) {
    const size = (input?.parameters as Record<string, unknown> | undefined)?.binary_data_size;
    if (size === undefined) continue;
    const name = String(input.name);
    if (
      typeof size !== 'number' ||
      !Number.isInteger(size) ||
      size < 0 ||
      at + size > body.length
    ) {
      throw badRequest(`input '${name}': binary_data_size ${String(size)} runs past the body`);
    }
    input.data = decode(String(input.datatype), body.subarray(at, at + size), name);
    at += size;
  }
  if (at !== body.length) {
    throw badRequest(
      `the body has ${body.length - at} bytes that no input's binary_data_size claims`,
    );
  }
  return request;
}
