import { readFileSync } from 'node:fs'
import { TAGS } from './features.js'

/**
 * The tagger's weights: for each hashed feature, one weight per tag, stored as int8 with one scale.
 * File layout (little endian): u32 count, f32 scale, f32 temperature, count × u32 feature hash,
 * count × TAGS.length × i8 weights.
 */
export class TaggerModel {
  private readonly rows: Map<number, number>
  constructor(
    private readonly weights: Float32Array,
    hashes: Uint32Array,
    /** Margin → confidence: sigmoid(margin / temperature). */
    readonly temperature: number,
  ) {
    this.rows = new Map()
    hashes.forEach((h, i) => this.rows.set(h, i * TAGS.length))
  }

  static load(path: string | URL): TaggerModel {
    return TaggerModel.fromBuffer(readFileSync(path))
  }

  static fromBuffer(buf: Buffer): TaggerModel {
    const count = buf.readUInt32LE(0)
    const scale = buf.readFloatLE(4)
    const temperature = buf.readFloatLE(8)
    const hashes = new Uint32Array(count)
    for (let i = 0; i < count; i++) hashes[i] = buf.readUInt32LE(12 + i * 4)
    const base = 12 + count * 4
    const weights = new Float32Array(count * TAGS.length)
    for (let i = 0; i < weights.length; i++) weights[i] = buf.readInt8(base + i) * scale
    return new TaggerModel(weights, hashes, temperature)
  }

  /** Adds each feature's per-tag weights into `scores`. */
  accumulate(features: ArrayLike<number>, scores: Float32Array): void {
    for (let i = 0; i < features.length; i++) {
      const row = this.rows.get(features[i] as number)
      if (row === undefined) continue
      for (let t = 0; t < TAGS.length; t++) (scores[t] as number) += this.weights[row + t] as number
    }
  }

  static serialize(weights: Map<number, Float32Array>, temperature: number): Buffer {
    let max = 0
    for (const w of weights.values()) for (const x of w) max = Math.max(max, Math.abs(x))
    const scale = max / 127 || 1
    // Features whose weights all round to zero carry nothing: leave them out.
    const kept = [...weights].filter(([, w]) => w.some((x) => Math.round(x / scale) !== 0)).sort((a, b) => a[0] - b[0])
    const buf = Buffer.alloc(12 + kept.length * (4 + TAGS.length))
    buf.writeUInt32LE(kept.length, 0)
    buf.writeFloatLE(scale, 4)
    buf.writeFloatLE(temperature, 8)
    kept.forEach(([h], i) => buf.writeUInt32LE(h, 12 + i * 4))
    const base = 12 + kept.length * 4
    kept.forEach(([, w], i) => w.forEach((x, t) => buf.writeInt8(Math.max(-127, Math.min(127, Math.round(x / scale))), base + i * TAGS.length + t)))
    return buf
  }
}
