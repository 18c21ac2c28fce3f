import { BruteForceIndex } from './brute-force-index.js'
import { HnswIndex } from './hnsw-index.js'
import type { VectorIndex } from './vector-index.js'

/**
 * Brute force while a partition is small (exact, cheap to change), moved into an HNSW graph once it
 * reaches `hnswMinEntries`, and back when it shrinks to half of that.
 */
export class TieredIndex implements VectorIndex {
  private index: VectorIndex
  private readonly vectors = new Map<number, Float32Array>()

  constructor(
    private readonly dimensions: number,
    private readonly hnswMinEntries: number,
  ) {
    this.index = new BruteForceIndex(dimensions)
  }

  get size(): number {
    return this.vectors.size
  }

  get kind(): 'brute-force' | 'hnsw' {
    return this.index instanceof HnswIndex ? 'hnsw' : 'brute-force'
  }

  add(key: number, vector: Float32Array): void {
    this.vectors.set(key, vector)
    this.index.add(key, vector)
    if (this.index instanceof BruteForceIndex && this.vectors.size >= this.hnswMinEntries) this.rebuild(new HnswIndex(this.dimensions))
  }

  remove(key: number): void {
    if (!this.vectors.delete(key)) return
    this.index.remove(key)
    if (this.index instanceof HnswIndex && this.vectors.size < this.hnswMinEntries / 2) this.rebuild(new BruteForceIndex(this.dimensions, this.vectors.size + 64))
  }

  search(query: Float32Array, k: number): Array<{ key: number; score: number }> {
    return this.index.search(query, k)
  }

  private rebuild(next: VectorIndex): void {
    for (const [key, vector] of this.vectors) next.add(key, vector)
    this.index = next
  }
}
