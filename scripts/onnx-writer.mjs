/**
 * A small hand-written ONNX encoder: just enough protobuf to write a `ModelProto` holding one graph of
 * standard operators, float32 / int64 initializers and dynamically shaped inputs and outputs.
 *
 * Field numbers follow onnx/onnx.proto3 (IR version 8). Only the fields Longtail's test models need
 * are encoded; everything else is left at its protobuf default. Output is a pure function of the
 * input, so the same description always yields the same bytes.
 */

/** ONNX `TensorProto.DataType` values used here. */
export const DataType = Object.freeze({ FLOAT: 1, INT64: 7 });

/** ONNX `AttributeProto.AttributeType` values used here. */
const AttributeType = Object.freeze({ FLOAT: 1, INT: 2, INTS: 7 });

/** Protobuf wire types. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

const textEncoder = new TextEncoder();

/**
 * Accumulates protobuf fields of one message. Nested messages are encoded to bytes first and
 * written as length-delimited fields, which keeps the writer free of back-patching.
 */
class MessageWriter {
  /** @type {number[]} */
  #bytes = [];

  /** @param {number | bigint} value non-negative, or a negative int64 (ten-byte two's complement) */
  #varint(value) {
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.#bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.#bytes.push(Number(rest));
  }

  #tag(field, wireType) {
    this.#varint((field << 3) | wireType);
  }

  /** Writes an int32 / int64 / enum field. */
  int(field, value) {
    this.#tag(field, VARINT);
    this.#varint(value);
    return this;
  }

  float(field, value) {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.#tag(field, FIXED32);
    this.#bytes.push(...new Uint8Array(view.buffer));
    return this;
  }

  /** @param {Uint8Array} data */
  bytes(field, data) {
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(data.length);
    for (const byte of data) this.#bytes.push(byte);
    return this;
  }

  string(field, text) {
    return this.bytes(field, textEncoder.encode(text));
  }

  /** A repeated int64 field, packed (the proto3 default for scalar repeated fields). */
  packedInts(field, values) {
    const inner = new MessageWriter();
    for (const value of values) inner.#varint(value);
    return this.bytes(field, inner.finish());
  }

  /** @returns {Uint8Array} */
  finish() {
    return Uint8Array.from(this.#bytes);
  }
}

/**
 * An initializer holding float32 data.
 * @param {string} name
 * @param {number[]} dims
 * @param {Float32Array} values row-major, length = product of dims
 */
export function floatTensor(name, dims, values) {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return { name, dims, dataType: DataType.FLOAT, raw };
}

/**
 * An initializer holding int64 data.
 * @param {string} name
 * @param {number[]} dims
 * @param {number[]} values
 */
export function int64Tensor(name, dims, values) {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return { name, dims, dataType: DataType.INT64, raw };
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
  const tensor = new MessageWriter().packedInts(1, dims).int(2, dataType).string(8, name);
  return tensor.bytes(9, raw).finish();
}

function encodeAttribute(name, value) {
  const attribute = new MessageWriter().string(1, name);
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) throw new Error(`invalid attribute ${name}: only integer lists`);
    return attribute.packedInts(8, value).int(20, AttributeType.INTS).finish();
  }
  if (Number.isInteger(value)) return attribute.int(3, value).int(20, AttributeType.INT).finish();
  return attribute.float(2, value).int(20, AttributeType.FLOAT).finish();
}

function encodeNode({ opType, inputs, outputs, attributes, name }) {
  const writer = new MessageWriter();
  for (const input of inputs) writer.string(1, input);
  for (const output of outputs) writer.string(2, output);
  writer.string(3, name).string(4, opType);
  for (const [key, value] of Object.entries(attributes)) writer.bytes(5, encodeAttribute(key, value));
  return writer.finish();
}

function encodeValueInfo({ name, dataType, shape }) {
  const shapeWriter = new MessageWriter();
  for (const size of shape) {
    const dimension =
      typeof size === 'number' ? new MessageWriter().int(1, size) : new MessageWriter().string(2, size);
    shapeWriter.bytes(1, dimension.finish());
  }
  const tensorType = new MessageWriter().int(1, dataType).bytes(2, shapeWriter.finish());
  const type = new MessageWriter().bytes(1, tensorType.finish());
  return new MessageWriter().string(1, name).bytes(2, type.finish()).finish();
}

/**
 * Encodes a complete ONNX model.
 * @param {object} model
 * @param {string} model.graphName
 * @param {ReturnType<typeof node>[]} model.nodes in topological order
 * @param {ReturnType<typeof floatTensor>[]} model.initializers
 * @param {ReturnType<typeof valueInfo>[]} model.inputs
 * @param {ReturnType<typeof valueInfo>[]} model.outputs
 * @param {number} model.opset default-domain operator set version
 * @param {string} model.producer
 * @returns {Uint8Array} the serialized `ModelProto`
 */
export function encodeModel({ graphName, nodes, initializers, inputs, outputs, opset, producer }) {
  const graph = new MessageWriter();
  for (const graphNode of nodes) graph.bytes(1, encodeNode(graphNode));
  graph.string(2, graphName);
  for (const tensor of initializers) graph.bytes(5, encodeTensor(tensor));
  for (const input of inputs) graph.bytes(11, encodeValueInfo(input));
  for (const output of outputs) graph.bytes(12, encodeValueInfo(output));

  // IR version 8 is the one that goes with opset 17; both runtimes load it.
  const opsetImport = new MessageWriter().string(1, '').int(2, opset);
  return new MessageWriter()
    .int(1, 8)
    .string(2, producer)
    .bytes(7, graph.finish())
    .bytes(8, opsetImport.finish())
    .finish();
}
