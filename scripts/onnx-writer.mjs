/**
 * A small hand-written ONNX encoder: just enough protobuf to write a `ModelProto` holding one graph of
 * standard operators, float32 / int64 initializers and dynamically shaped inputs and outputs. It serves
 * both the tiny test model and the benchmark's ViT-B/32 (350 MB of weights): a message is a list of byte
 * chunks, tensor payloads are referenced, never copied, and a big model is streamed to disk.
 *
 * Field numbers follow onnx/onnx.proto3 (IR version 8). Only the fields Longtail's models need are
 * encoded; everything else is left at its protobuf default. Output is a pure function of the input,
 * so the same description always yields the same bytes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';

/** ONNX `TensorProto.DataType` values used here. */
export const DataType = Object.freeze({ FLOAT: 1, INT64: 7 });

/** ONNX `AttributeProto.AttributeType` values used here. */
const AttributeType = Object.freeze({ FLOAT: 1, INT: 2, INTS: 7 });
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;
const textEncoder = new TextEncoder();

/** Accumulates one protobuf message as chunks: small fields in a scratch array, big payloads by reference. */
class ChunkedMessage {
  /** @type {Uint8Array[]} */
  chunks = [];
  /** @type {number[]} */
  #pending = [];
  byteLength = 0;

  #flush() {
    if (this.#pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.#pending));
    this.#pending = [];
  }

  #varint(value) {
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.#pending.push(Number(rest & 0x7fn) | 0x80);
      this.byteLength++;
      rest >>= 7n;
    }
    this.#pending.push(Number(rest));
    this.byteLength++;
  }

  #tag(field, wireType) {
    this.#varint((field << 3) | wireType);
  }

  int(field, value) {
    this.#tag(field, VARINT);
    this.#varint(value);
    return this;
  }

  float(field, value) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#tag(field, FIXED32);
    this.#pending.push(...bytes);
    this.byteLength += 4;
    return this;
  }

  /** @param {Uint8Array} data kept by reference: the caller must not change it before the model is written */
  bytes(field, data) {
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(data.length);
    this.#flush();
    this.chunks.push(data);
    this.byteLength += data.length;
    return this;
  }

  string(field, text) {
    return this.bytes(field, textEncoder.encode(text));
  }

  packedInts(field, values) {
    const inner = new ChunkedMessage();
    for (const value of values) inner.#varint(value);
    return this.message(field, inner);
  }

  /** @param {ChunkedMessage} inner */
  message(field, inner) {
    inner.#flush();
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(inner.byteLength);
    this.#flush();
    this.chunks.push(...inner.chunks);
    this.byteLength += inner.byteLength;
    return this;
  }

  /** @returns {Uint8Array[]} */
  finish() {
    this.#flush();
    return this.chunks;
  }
}

/**
 * A float32 initializer. Its bytes alias `values` (ONNX raw_data is little-endian, like every host this
 * runs on), so a 90-million-weight model costs no second copy.
 * @param {string} name
 * @param {number[]} dims
 * @param {Float32Array} values row-major, length = product of dims
 */
export function floatTensor(name, dims, values) {
  if (endianness() !== 'LE') throw new Error('invalid host: ONNX raw_data needs a little-endian machine');
  checkLength(name, dims, values.length);
  return {
    name,
    dims,
    dataType: DataType.FLOAT,
    raw: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

/**
 * An int64 initializer, e.g. a Reshape target. `dims` may be `[]` for a scalar.
 * @param {string} name
 * @param {number[]} dims
 * @param {number[]} values
 */
export function int64Tensor(name, dims, values) {
  checkLength(name, dims, values.length);
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return { name, dims, dataType: DataType.INT64, raw };
}

function checkLength(name, dims, length) {
  const expected = dims.reduce((product, size) => product * size, 1);
  if (length !== expected) throw new Error(`invalid tensor ${name}: ${length} values for dims [${dims}]`);
}

/**
 * A graph node. Attribute values are typed by shape: an integer is INT, another number FLOAT, an
 * array of integers INTS.
 * @param {string} opType
 * @param {string[]} inputs
 * @param {string[]} outputs
 * @param {Record<string, number | number[]>} [attributes]
 */
export function node(opType, inputs, outputs, attributes = {}) {
  return { opType, inputs, outputs, attributes, name: `${opType}_${outputs[0]}` };
}

/**
 * A graph input or output.
 * @param {string} name
 * @param {number} dataType a {@link DataType} value
 * @param {(number | string)[]} shape numbers are fixed sizes, strings symbolic ones ("batch")
 */
export function valueInfo(name, dataType, shape) {
  return { name, dataType, shape };
}

function encodeTensor({ name, dims, dataType, raw }) {
  // Empty dims (a scalar) are still written as an empty packed field, which keeps the tiny model's bytes.
  return new ChunkedMessage().packedInts(1, dims).int(2, dataType).string(8, name).bytes(9, raw);
}

/** Typed by shape (see `node`): a whole number is INT, so FLOAT attributes must not be whole. */
function encodeAttribute(name, value) {
  const attribute = new ChunkedMessage().string(1, name);
  if (Array.isArray(value)) return attribute.packedInts(8, value).int(20, AttributeType.INTS);
  if (Number.isInteger(value)) return attribute.int(3, value).int(20, AttributeType.INT);
  return attribute.float(2, value).int(20, AttributeType.FLOAT);
}

function encodeNode({ opType, inputs, outputs, attributes, name }) {
  const message = new ChunkedMessage();
  for (const input of inputs) message.string(1, input);
  for (const output of outputs) message.string(2, output);
  message.string(3, name).string(4, opType);
  for (const [key, value] of Object.entries(attributes)) message.message(5, encodeAttribute(key, value));
  return message;
}

function encodeValueInfo({ name, dataType, shape }) {
  const shapeMessage = new ChunkedMessage();
  for (const size of shape) {
    const dimension =
      typeof size === 'number' ? new ChunkedMessage().int(1, size) : new ChunkedMessage().string(2, size);
    shapeMessage.message(1, dimension);
  }
  const tensorType = new ChunkedMessage().int(1, dataType).message(2, shapeMessage);
  const type = new ChunkedMessage().message(1, tensorType);
  return new ChunkedMessage().string(1, name).message(2, type);
}

/**
 * Encodes a complete ONNX model as chunks in file order (tensor payloads by reference, never copied).
 * @param {object} model
 * @param {string} model.graphName
 * @param {ReturnType<typeof node>[]} model.nodes in topological order
 * @param {ReturnType<typeof floatTensor>[]} model.initializers
 * @param {ReturnType<typeof valueInfo>[]} model.inputs
 * @param {ReturnType<typeof valueInfo>[]} model.outputs
 * @param {number} model.opset default-domain operator set version
 * @param {string} model.producer
 * @returns {Uint8Array[]} the serialized `ModelProto`, in pieces
 */
export function encodeModelChunks({ graphName, nodes, initializers, inputs, outputs, opset, producer }) {
  const graph = new ChunkedMessage();
  for (const graphNode of nodes) graph.message(1, encodeNode(graphNode));
  graph.string(2, graphName);
  for (const tensor of initializers) graph.message(5, encodeTensor(tensor));
  for (const input of inputs) graph.message(11, encodeValueInfo(input));
  for (const output of outputs) graph.message(12, encodeValueInfo(output));

  // IR version 8 is the one that goes with opset 17; both runtimes load it.
  const opsetImport = new ChunkedMessage().string(1, '').int(2, opset);
  return new ChunkedMessage()
    .int(1, 8)
    .string(2, producer)
    .message(7, graph)
    .message(8, opsetImport)
    .finish();
}

/**
 * Writes chunks to a file, one write per chunk.
 * @param {string} path
 * @param {Uint8Array[]} chunks
 * @param {(chunk: Uint8Array) => void} [onChunk] sees every chunk in order, e.g. to hash the file
 */
export function writeChunks(path, chunks, onChunk) {
  const descriptor = openSync(path, 'w');
  try {
    for (const chunk of chunks) {
      onChunk?.(chunk);
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(descriptor, chunk, offset);
    }
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Encodes a complete ONNX model into one buffer (small models; big ones use `encodeModelChunks`).
 * @param {Parameters<typeof encodeModelChunks>[0]} model
 * @returns {Uint8Array} the serialized `ModelProto`
 */
export function encodeModel(model) {
  const chunks = encodeModelChunks(model);
  const bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
