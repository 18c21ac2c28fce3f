import { readFileSync } from 'node:fs'
import { TAGS } from './features.js'

/**
 * Hashed word lists (lowercase) the tagger uses as features: given names, family names, city-name
 * words, and ordinary English words (a capitalised word that is not one is more likely a name).
 */
export type Gazetteer = { first: ReadonlySet<number>; last: ReadonlySet<number>; city: ReadonlySet<number>; common: ReadonlySet<number> }
const GAZETTEER_KEYS = ['first', 'last', 'city', 'common'] as const
const HEADER = 16 + GAZETTEER_KEYS.length * 4

/**
 * The tagger's weights (for each hashed feature one weight per tag, int8 with one scale) and its
 * gazetteer. File layout (little endian): u32 count, f32 scale, f32 temperature, u32 number of tags,
 * 4 × u32 gazetteer sizes, count × u32 feature hash, count × tags × i8 weights, then the gazetteer hashes.
 */
export class TaggerModel {
  // Open-addressing table from feature hash to weight row: a Map keyed by numbers above 2^30 is several
  // times slower, and this lookup runs ~30 times per token.
  private readonly keys: Uint32Array
  private readonly slots: Int32Array
  private readonly shift: number
  constructor(
    private readonly weights: Float32Array,
    hashes: Uint32Array,
    /** Margin → confidence: sigmoid(margin / temperature). */
    readonly temperature: number,
    readonly gazetteer: Gazetteer,
  ) {
    let bits = 4
    while (1 << bits < hashes.length * 2) bits++
    this.shift = 32 - bits
    this.keys = new Uint32Array(1 << bits)
    this.slots = new Int32Array(1 << bits).fill(-1)
    hashes.forEach((h, i) => {
      let at = Math.imul(h, 0x9e3779b1) >>> this.shift
      while ((this.slots[at] as number) >= 0) at = (at + 1) & (this.slots.length - 1)
      this.keys[at] = h
      this.slots[at] = i * TAGS.length
    })
  }

  private row(h: number): number {
    const mask = this.slots.length - 1
    for (let at = Math.imul(h, 0x9e3779b1) >>> this.shift; ; at = (at + 1) & mask) {
      const row = this.slots[at] as number
      if (row < 0) return -1
      if (this.keys[at] === h) return row
    }
  }

  static load(path: string | URL): TaggerModel {
    return TaggerModel.fromBuffer(readFileSync(path))
  }

  static fromBuffer(buf: Buffer): TaggerModel {
    const count = buf.readUInt32LE(0)
    const scale = buf.readFloatLE(4)
    const temperature = buf.readFloatLE(8)
    const tags = buf.readUInt32LE(12)
    if (tags !== TAGS.length) throw new Error(`tagger model has ${tags} tags, this code expects ${TAGS.length}: run npm run train:pii-tagger`)
    const sizes = GAZETTEER_KEYS.map((_, i) => buf.readUInt32LE(16 + i * 4))
    const header = HEADER
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
    return new TaggerModel(weights, hashes, temperature, {
      first: lists[0] as Set<number>,
      last: lists[1] as Set<number>,
      city: lists[2] as Set<number>,
      common: lists[3] as Set<number>,
    })
  }

  /** Adds the per-tag weights of features[from..to) into scores[at .. at + TAGS.length). */
  accumulateAt(features: ArrayLike<number>, from: number, to: number, scores: Float32Array, at: number): void {
    const nt = TAGS.length
    for (let i = from; i < to; i++) {
      const row = this.row(features[i] as number)
      if (row < 0) continue
      for (let t = 0; t < nt; t++) (scores[at + t] as number) += this.weights[row + t] as number
    }
  }

  /** Adds the per-tag weights of features[from..to) into `scores`. */
  accumulate(features: ArrayLike<number>, scores: Float32Array, from = 0, to = features.length): void {
    for (let i = from; i < to; i++) {
      const row = this.row(features[i] as number)
      if (row < 0) continue
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
    const header = HEADER
    const gazBytes = lists.reduce((n, l) => n + l.length * 4, 0)
    const buf = Buffer.alloc(header + kept.length * (4 + TAGS.length) + gazBytes)
    buf.writeUInt32LE(kept.length, 0)
    buf.writeFloatLE(scale, 4)
    buf.writeFloatLE(temperature, 8)
    buf.writeUInt32LE(TAGS.length, 12)
    lists.forEach((l, i) => buf.writeUInt32LE(l.length, 16 + i * 4))
    kept.forEach(([h], i) => buf.writeUInt32LE(h, header + i * 4))
    const base = header + kept.length * 4
    kept.forEach(([, w], i) => w.forEach((x, t) => buf.writeInt8(Math.max(-127, Math.min(127, Math.round(x / scale))), base + i * TAGS.length + t)))
    let at = base + kept.length * TAGS.length
    for (const l of lists) for (const h of l) at = buf.writeUInt32LE(h, at)
    return buf
  }
}
