import { readFile } from 'node:fs/promises'

export type SafeTensor = { dtype: string; shape: number[]; data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint16Array }

const arrayTypes = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  I64: BigInt64Array,
  F16: Uint16Array,
} as const

/** Reads a .safetensors file: an 8-byte little-endian header length, a JSON header, then raw little-endian tensors. */
export async function readSafetensors(path: string): Promise<Map<string, SafeTensor>> {
  const file = await readFile(path)
  const headerLength = Number(file.readBigUInt64LE(0))
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >
  const base = 8 + headerLength
  const tensors = new Map<string, SafeTensor>()
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue
    const ArrayType = arrayTypes[info.dtype as keyof typeof arrayTypes]
    if (!ArrayType) throw new Error(`safetensors: tensor '${name}' has unsupported dtype ${info.dtype}`)
    const [start, end] = info.data_offsets
    // Copy into an aligned buffer: typed arrays need offsets that are a multiple of the element size.
    const bytes = new Uint8Array(end - start)
    bytes.set(file.subarray(base + start, base + end))
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data: new ArrayType(bytes.buffer) })
  }
  return tensors
}
