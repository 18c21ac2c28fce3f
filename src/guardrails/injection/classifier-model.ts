import { readFileSync } from 'node:fs'
import { FEATURE_BITS, featureIndices, featureScale } from './features.js'

/**
 * Logistic regression over hashed n-grams. File layout (little endian): u32 feature bits,
 * f32 scale, f32 bias, then 2^bits int8 weights (weight = int8 × scale).
 */
export class InjectionClassifier {
  constructor(
    /** Kept as int8 (1 MiB for 2^20 features, not 4): the lookups are random, so size is cache misses. */
    private readonly weights: Int8Array,
    private readonly scale: number,
    private readonly bias: number,
  ) {}

  static load(path: string | URL): InjectionClassifier {
    const buf = readFileSync(path)
    const bits = buf.readUInt32LE(0)
    if (bits !== FEATURE_BITS) throw new Error(`injection model has ${bits} feature bits, the runtime expects ${FEATURE_BITS}: retrain it`)
    const scale = buf.readFloatLE(4)
    const bias = buf.readFloatLE(8)
    const weights = new Int8Array(1 << bits)
    weights.set(new Int8Array(buf.buffer, buf.byteOffset + 12, 1 << bits))
    return new InjectionClassifier(weights, scale, bias)
  }

  static serialize(weights: Float32Array, bias: number): Buffer {
    let max = 0
    for (const w of weights) max = Math.max(max, Math.abs(w))
    const scale = max / 127 || 1
    const buf = Buffer.alloc(12 + weights.length)
    buf.writeUInt32LE(FEATURE_BITS, 0)
    buf.writeFloatLE(scale, 4)
    buf.writeFloatLE(bias, 8)
    weights.forEach((w, i) => buf.writeInt8(Math.round(w / scale), 12 + i))
    return buf
  }

  /** Probability that the text (given raw and normalised) is an injection or jailbreak attempt. */
  score(normalized: string, raw: string): number {
    const idx = featureIndices(normalized, raw, true)
    if (idx.length === 0) return 0
    let sum = 0
    for (let i = 0; i < idx.length; i++) sum += this.weights[idx[i] as number] as number
    const z = this.bias + sum * this.scale * featureScale(idx.length)
    return 1 / (1 + Math.exp(-z))
  }
}
