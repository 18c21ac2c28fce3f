import { fromFloat16Bits, toFloat16Bits } from '../embedding/static-graph.js'

export type VectorEncoding = 'float16' | 'float32'

/** Little-endian binary vector: float16 halves the bytes per entry at ~1e-3 precision, which cosine search tolerates. */
export function encodeVector(vector: Float32Array, encoding: VectorEncoding): Buffer {
  if (encoding === 'float32') return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength))
  const half = new Uint16Array(vector.length)
  for (let i = 0; i < vector.length; i++) half[i] = toFloat16Bits(vector[i]!)
  return Buffer.from(half.buffer)
}

export function decodeVector(bytes: Buffer, encoding: VectorEncoding): Float32Array {
  const aligned = new Uint8Array(bytes.length)
  aligned.set(bytes)
  if (encoding === 'float32') return new Float32Array(aligned.buffer)
  const half = new Uint16Array(aligned.buffer)
  const out = new Float32Array(half.length)
  for (let i = 0; i < half.length; i++) out[i] = fromFloat16Bits(half[i]!)
  return out
}
