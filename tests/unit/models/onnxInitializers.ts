/**
 * Reads the initializers (weights) and operators out of an ONNX file with a minimal protobuf decoder
 * written for the tests. It shares no code with scripts/onnx-writer.mjs, so a test that computes a
 * forward pass from these weights checks the writer as well as the runtime.
 *
 * Field numbers from onnx/onnx.proto3: ModelProto.graph = 7, opset_import = 8,
 * OperatorSetIdProto.domain = 1, version = 2, GraphProto.node = 1, initializer = 5,
 * NodeProto.op_type = 4, attribute = 5, AttributeProto.name = 1, TensorProto.dims = 1, data_type = 2, float_data = 4, int64_data = 7, name = 8,
 * raw_data = 9.
 */

export interface Initializer {
  name: string;
  dims: number[];
  /** float32 tensors as Float32Array, int64 tensors as plain numbers. */
  values: Float32Array | number[];
}

interface Field {
  number: number;
  wireType: number;
  /** varint value for wire type 0, bytes for wire type 2, raw 4 or 8 bytes for fixed types. */
  varint?: bigint;
  bytes?: Uint8Array;
}

const FLOAT = 1;
const INT64 = 7;

/** Every initializer of the model's main graph, by name. */
export function readInitializers(model: Uint8Array): Map<string, Initializer> {
  const graph = fields(model).find((field) => field.number === 7)?.bytes;
  if (!graph) throw new Error('not an ONNX model: no graph field');

  const tensors = new Map<string, Initializer>();
  for (const field of fields(graph)) {
    if (field.number !== 5 || !field.bytes) continue;
    const tensor = readTensor(field.bytes);
    tensors.set(tensor.name, tensor);
  }
  return tensors;
}

/** The default-domain opset the model imports, and each node's operator and attribute names, in order. */
export function readOperators(model: Uint8Array): {
  opset: number;
  nodes: { opType: string; attributes: string[] }[];
} {
  const modelFields = fields(model);
  const graph = modelFields.find((field) => field.number === 7)?.bytes;
  if (!graph) throw new Error('not an ONNX model: no graph field');
  const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

  let opset = -1;
  for (const field of modelFields) {
    if (field.number !== 8 || !field.bytes) continue;
    const entry = fields(field.bytes);
    const domain = text(entry.find((f) => f.number === 1)?.bytes);
    if (domain === '' || domain === 'ai.onnx')
      opset = Number(entry.find((f) => f.number === 2)?.varint ?? -1);
  }

  const nodes = fields(graph)
    .filter((field) => field.number === 1 && field.bytes)
    .map((field) => {
      const nodeFields = fields(field.bytes!);
      return {
        opType: text(nodeFields.find((f) => f.number === 4)?.bytes),
        attributes: nodeFields
          .filter((f) => f.number === 5 && f.bytes)
          .map((f) => text(fields(f.bytes!).find((a) => a.number === 1)?.bytes)),
      };
    });
  return { opset, nodes };
}

function readTensor(bytes: Uint8Array): Initializer {
  let name = '';
  let dataType = 0;
  const dims: number[] = [];
  let raw: Uint8Array | undefined;

  for (const field of fields(bytes)) {
    if (field.number === 1) dims.push(...varintList(field));
    else if (field.number === 2) dataType = Number(field.varint);
    else if (field.number === 8) name = new TextDecoder().decode(field.bytes);
    else if (field.number === 9) raw = field.bytes;
    else if (field.number === 4 || field.number === 7)
      throw new Error(`tensor ${name}: typed data fields are not supported here`);
  }
  if (!raw) throw new Error(`tensor ${name}: no raw_data`);

  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dataType === FLOAT) {
    return {
      name,
      dims,
      values: Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true)),
    };
  }
  if (dataType === INT64) {
    return {
      name,
      dims,
      values: Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true))),
    };
  }
  throw new Error(`tensor ${name}: unsupported data type ${dataType}`);
}

/** Repeated int64 fields may arrive packed (one length-delimited field) or one varint at a time. */
function varintList(field: Field): number[] {
  if (field.varint !== undefined) return [Number(field.varint)];
  const values: number[] = [];
  const bytes = field.bytes ?? new Uint8Array();
  let offset = 0;
  while (offset < bytes.length) {
    const [value, next] = readVarint(bytes, offset);
    values.push(Number(BigInt.asIntN(64, value)));
    offset = next;
  }
  return values;
}

function fields(bytes: Uint8Array): Field[] {
  const result: Field[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset);
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    offset = afterKey;

    if (wireType === 0) {
      const [value, next] = readVarint(bytes, offset);
      result.push({ number, wireType, varint: value });
      offset = next;
    } else if (wireType === 2) {
      const [length, next] = readVarint(bytes, offset);
      const end = next + Number(length);
      result.push({ number, wireType, bytes: bytes.subarray(next, end) });
      offset = end;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      result.push({ number, wireType, bytes: bytes.subarray(offset, offset + size) });
      offset += size;
    } else {
      throw new Error(`unsupported protobuf wire type ${wireType} at byte ${offset}`);
    }
  }
  return result;
}

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let offset = start;
  for (;;) {
    const byte = bytes[offset++];
    if (byte === undefined) throw new Error(`truncated varint at byte ${start}`);
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, offset];
    shift += 7n;
  }
}
