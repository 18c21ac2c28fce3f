import { readFileSync } from 'node:fs'
import { TAGS } from './features.js'

/** Hashed word lists (lowercase) the tagger uses as features: given names, family names, city-name words. */
export type Gazetteer = { first: ReadonlySet<number>; last: ReadonlySet<number>; city: ReadonlySet<number> }
const GAZETTEER_KEYS = ['first', 'last', 'city'] as const

/**
 * The tagger's weights (for each hashed feature one weight per tag, int8 with one scale) and its
 * gazetteer. File layout (little endian): u32 count, f32 scale, f32 temperature, 3 × u32 gazetteer
 * sizes, count × u32 feature hash, count × TAGS.length × i8 weights, then the gazetteer hashes.
 */
export class TaggerModel {
  private readonly rows: Map<number, number>
  constructor(
    private readonly weights: Float32Array,
    hashes: Uint32Array,
    /** Margin → confidence: sigmoid(margin / temperature). */
    readonly temperature: number,
    readonly gazetteer: Gazetteer,
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
    const sizes = GAZETTEER_KEYS.map((_, i) => buf.readUInt32LE(12 + i * 4))
    const header = 24
    const hashes = new Uint32Array(count)
    for (let i = 0; i < count; i++) hashes[i] = buf.readUInt32LE(header + i * 4)
    const base = header + count * 4
    const weights = new Float32Array(count * TAGS.length)
    for (let i = 0; i < weights.length; i++) weights[i] = buf.readInt8(base + i) * scale
    let at = base + weights.length
    const lists = sizes.map((n) => {
      const set = new Set<number>()
      for (let i = 0; i < n; i++, at += 4) set.add(buf.readUInt32LE(at))
      return set
    })
    return new TaggerModel(weights, hashes, temperature, { first: lists[0] as Set<number>, last: lists[1] as Set<number>, city: lists[2] as Set<number> })
  }

  /** Adds each feature's per-tag weights into `scores`. */
  accumulate(features: ArrayLike<number>, scores: Float32Array): void {
    for (let i = 0; i < features.length; i++) {
      const row = this.rows.get(features[i] as number)
      if (row === undefined) continue
      for (let t = 0; t < TAGS.length; t++) (scores[t] as number) += this.weights[row + t] as number
    }
  }

  static serialize(weights: Map<number, Float32Array>, temperature: number, gazetteer: Gazetteer): Buffer {
    let max = 0
    for (const w of weights.values()) for (const x of w) max = Math.max(max, Math.abs(x))
    const scale = max / 127 || 1
    // Features whose weights all round to zero carry nothing: leave them out.
    const kept = [...weights].filter(([, w]) => w.some((x) => Math.round(x / scale) !== 0)).sort((a, b) => a[0] - b[0])
    const lists = GAZETTEER_KEYS.map((k) => [...gazetteer[k]].sort((a, b) => a - b))
    const header = 24
    const gazBytes = lists.reduce((n, l) => n + l.length * 4, 0)
    const buf = Buffer.alloc(header + kept.length * (4 + TAGS.length) + gazBytes)
    buf.writeUInt32LE(kept.length, 0)
    buf.writeFloatLE(scale, 4)
    buf.writeFloatLE(temperature, 8)
    lists.forEach((l, i) => buf.writeUInt32LE(l.length, 12 + i * 4))
    kept.forEach(([h], i) => buf.writeUInt32LE(h, header + i * 4))
    const base = header + kept.length * 4
    kept.forEach(([, w], i) => w.forEach((x, t) => buf.writeInt8(Math.max(-127, Math.min(127, Math.round(x / scale))), base + i * TAGS.length + t)))
    let at = base + kept.length * TAGS.length
    for (const l of lists) for (const h of l) at = buf.writeUInt32LE(h, at)
    return buf
  }
}
