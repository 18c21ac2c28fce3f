import type { VectorIndex } from './vector-index.js'

/** Exact search over one contiguous Float32Array: fastest for small partitions, no build cost. */
export class BruteForceIndex implements VectorIndex {
  private vectors: Float32Array
  private keys: number[] = []
  private slots = new Map<number, number>()

  constructor(private readonly dimensions: number, capacity = 64) {
    this.vectors = new Float32Array(capacity * dimensions)
  }

  get size(): number {
    return this.keys.length
  }

  add(key: number, vector: Float32Array): void {
    if (this.slots.has(key)) this.remove(key)
    const slot = this.keys.length
    if ((slot + 1) * this.dimensions > this.vectors.length) {
      const grown = new Float32Array(this.vectors.length * 2)
      grown.set(this.vectors)
      this.vectors = grown
    }
    this.vectors.set(vector, slot * this.dimensions)
    this.keys.push(key)
    this.slots.set(key, slot)
  }

  remove(key: number): void {
    const slot = this.slots.get(key)
    if (slot === undefined) return
    const last = this.keys.length - 1
    // Move the last vector into the hole so the slab stays dense.
    if (slot !== last) {
      this.vectors.copyWithin(slot * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions)
      const movedKey = this.keys[last]!
      this.keys[slot] = movedKey
      this.slots.set(movedKey, slot)
    }
    this.keys.pop()
    this.slots.delete(key)
  }

  search(query: Float32Array, k: number): Array<{ key: number; score: number }> {
    const d = this.dimensions
    const top: Array<{ key: number; score: number }> = []
    const v = this.vectors
    for (let slot = 0, base = 0; slot < this.keys.length; slot++, base += d) {
      let score = 0
      for (let i = 0; i < d; i++) score += v[base + i]! * query[i]!
      if (top.length < k || score > top[top.length - 1]!.score) {
        let at = top.length < k ? top.length : top.length - 1
        while (at > 0 && top[at - 1]!.score < score) at--
        top.splice(at, 0, { key: this.keys[slot]!, score })
        if (top.length > k) top.pop()
      }
    }
    return top
  }
}
