import { encodeOnnxModel, rawBytes, TensorType, type GraphNode, type Initializer } from './onnx-proto.js'

/**
 * A static embedding model as plain arrays: one vector per token id (or per row, with `mapping`
 * from token id to row, as vocabulary-quantized model2vec models do) and an optional per-token
 * weight (SIF / Zipf weights).
 */
export type StaticTable = {
  rows: number
  dimensions: number
  /** rows × dimensions, row-major; float16 bits (Uint16Array) halve the file size. */
  vectors: Float32Array | Uint16Array
  mapping?: Int32Array
  weights?: Float32Array
}

const axes = (name: string, values: number[]): Initializer => ({
  name,
  type: TensorType.INT64,
  dims: [values.length],
  data: rawBytes(BigInt64Array.from(values.map(BigInt))),
})
const scalar = (name: string, value: number): Initializer => ({ name, type: TensorType.FLOAT, dims: [], data: rawBytes(Float32Array.of(value)) })

/**
 * Builds the ONNX graph of a static embedder: Gather the token vectors, weight them, masked mean
 * pooling over the tokens, L2 normalisation. Inputs `input_ids` and `attention_mask` (int64,
 * [batch, tokens]); output `sentence_embedding` (float, [batch, dimensions]).
 */
export function buildStaticEmbeddingGraph(table: StaticTable, metadata: Record<string, string> = {}): Uint8Array {
  const half = table.vectors instanceof Uint16Array
  const initializers: Initializer[] = [
    { name: 'vectors', type: half ? TensorType.FLOAT16 : TensorType.FLOAT, dims: [table.rows, table.dimensions], data: rawBytes(table.vectors) },
    axes('axis_tokens', [1]),
    axes('axis_last', [2]),
    scalar('eps', 1e-12),
  ]
  const nodes: GraphNode[] = []
  let rowIds = 'input_ids'
  if (table.mapping) {
    initializers.push({ name: 'mapping', type: TensorType.INT32, dims: [table.mapping.length], data: rawBytes(table.mapping) })
    nodes.push({ op: 'Gather', inputs: ['mapping', 'input_ids'], outputs: ['row_ids'] })
    rowIds = 'row_ids'
  }
  nodes.push({ op: 'Gather', inputs: ['vectors', rowIds], outputs: [half ? 'token_vectors_half' : 'token_vectors'] })
  if (half) nodes.push({ op: 'Cast', inputs: ['token_vectors_half'], outputs: ['token_vectors'], attributes: [{ name: 'to', int: TensorType.FLOAT }] })
  nodes.push({ op: 'Cast', inputs: ['attention_mask'], outputs: ['mask'], attributes: [{ name: 'to', int: TensorType.FLOAT }] })
  let tokenWeights = 'mask'
  if (table.weights) {
    initializers.push({ name: 'weights', type: TensorType.FLOAT, dims: [table.weights.length], data: rawBytes(table.weights) })
    nodes.push({ op: 'Gather', inputs: ['weights', 'input_ids'], outputs: ['token_weights'] }, { op: 'Mul', inputs: ['token_weights', 'mask'], outputs: ['masked_weights'] })
    tokenWeights = 'masked_weights'
  }
  nodes.push(
    { op: 'Unsqueeze', inputs: [tokenWeights, 'axis_last'], outputs: ['weights_3d'] },
    { op: 'Mul', inputs: ['token_vectors', 'weights_3d'], outputs: ['weighted'] },
    { op: 'ReduceSum', inputs: ['weighted', 'axis_tokens'], outputs: ['summed'], attributes: [{ name: 'keepdims', int: 0 }] },
    { op: 'ReduceSum', inputs: ['mask', 'axis_tokens'], outputs: ['count_raw'], attributes: [{ name: 'keepdims', int: 1 }] },
    { op: 'Max', inputs: ['count_raw', 'eps'], outputs: ['count'] },
    { op: 'Div', inputs: ['summed', 'count'], outputs: ['mean'] },
    { op: 'Mul', inputs: ['mean', 'mean'], outputs: ['squared'] },
    { op: 'ReduceSum', inputs: ['squared', 'axis_tokens'], outputs: ['sum_squared'], attributes: [{ name: 'keepdims', int: 1 }] },
    { op: 'Sqrt', inputs: ['sum_squared'], outputs: ['norm_raw'] },
    { op: 'Max', inputs: ['norm_raw', 'eps'], outputs: ['norm'] },
    { op: 'Div', inputs: ['mean', 'norm'], outputs: ['sentence_embedding'] },
  )
  return encodeOnnxModel({
    name: 'static_embedding',
    opset: 13,
    inputs: [
      { name: 'input_ids', type: TensorType.INT64, dims: ['batch', 'tokens'] },
      { name: 'attention_mask', type: TensorType.INT64, dims: ['batch', 'tokens'] },
    ],
    outputs: [{ name: 'sentence_embedding', type: TensorType.FLOAT, dims: ['batch', table.dimensions] }],
    initializers,
    nodes,
    metadata,
  })
}

/** IEEE 754 half-precision bits of a float (round to nearest even), for compact vector tables. */
const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export function toFloat16Bits(value: number): number {
  f32[0] = value
  const x = u32[0]!
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >> shift
    const rest = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    if (rest > mid || (rest === mid && half & 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mant >> 13)
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++
  return sign | half
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const mant = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024)
  if (exp === 0x1f) return mant ? NaN : sign * Infinity
  return sign * 2 ** (exp - 15) * (1 + mant / 1024)
}
