import { describe, expect, it } from 'vitest'
import { BruteForceIndex } from '../../../src/cache/index/brute-force-index.js'
import { HnswIndex } from '../../../src/cache/index/hnsw-index.js'
import { TieredIndex } from '../../../src/cache/index/tiered-index.js'

function randomUnit(d: number, seed: number): Float32Array {
  let s = seed
  const v = new Float32Array(d).map(() => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31 - 0.5
  })
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}

describe('vector indexes (inner product on unit vectors)', () => {
  const d = 32
  const vectors = Array.from({ length: 600 }, (_, i) => randomUnit(d, i + 1))

  it('brute force finds the exact nearest neighbours, best first', () => {
    const index = new BruteForceIndex(d, 4)
    vectors.forEach((v, i) => index.add(i, v))
    const hits = index.search(vectors[42]!, 3)
    expect(hits[0]).toEqual({ key: 42, score: expect.closeTo(1, 5) })
    expect(hits[1]!.score).toBeGreaterThanOrEqual(hits[2]!.score)
    index.remove(42)
    expect(index.search(vectors[42]!, 1)[0]!.key).not.toBe(42)
    expect(index.size).toBe(599)
  })

  it('HNSW (usearch) agrees with brute force on the top hit', () => {
    const hnsw = new HnswIndex(d)
    const brute = new BruteForceIndex(d)
    vectors.forEach((v, i) => {
      hnsw.add(i, v)
      brute.add(i, v)
    })
    let agree = 0
    for (let q = 0; q < 50; q++) {
      const query = randomUnit(d, 10_000 + q)
      if (hnsw.search(query, 1)[0]!.key === brute.search(query, 1)[0]!.key) agree++
    }
    expect(agree).toBeGreaterThanOrEqual(48)
    hnsw.remove(7)
    expect(hnsw.size).toBe(599)
    expect(hnsw.search(vectors[7]!, 1)[0]!.key).not.toBe(7)
  })

  it('tiered index moves to HNSW at the configured size and back when it shrinks', () => {
    const index = new TieredIndex(d, 100)
    vectors.slice(0, 99).forEach((v, i) => index.add(i, v))
    expect(index.kind).toBe('brute-force')
    index.add(99, vectors[99]!)
    expect(index.kind).toBe('hnsw')
    expect(index.search(vectors[5]!, 1)[0]!.key).toBe(5)
    for (let i = 0; i < 60; i++) index.remove(i)
    expect(index.kind).toBe('brute-force')
    expect(index.search(vectors[80]!, 1)[0]!.key).toBe(80)
  })
})
