import { readFileSync } from 'node:fs'
import { FEATURE_BITS, featureIndices, featureScale } from './features.js'

/**
 * Logistic regression over hashed n-grams. File layout (little endian): u32 feature bits,
 * f32 scale, f32 bias, then 2^bits int8 weights (weight = int8 × scale).
 */
export class InjectionClassifier {
  constructor(
    private readonly weights: Float32Array,
    private readonly bias: number,
  ) {}

  static load(path: string | URL): InjectionClassifier {
    const buf = readFileSync(path)
    const bits = buf.readUInt32LE(0)
    if (bits !== FEATURE_BITS) throw new Error(`injection model has ${bits} feature bits, the runtime expects ${FEATURE_BITS}: retrain it`)
    const scale = buf.readFloatLE(4)
    const bias = buf.readFloatLE(8)
    const weights = new Float32Array(1 << bits)
    for (let i = 0; i < weights.length; i++) weights[i] = buf.readInt8(12 + i) * scale
    return new InjectionClassifier(weights, bias)
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
    const idx = featureIndices(normalized, raw)
    if (idx.length === 0) return 0
    let z = 0
    for (let i = 0; i < idx.length; i++) z += this.weights[idx[i] as number] as number
    z = this.bias + z * featureScale(idx.length)
    return 1 / (1 + Math.exp(-z))
  }
}
