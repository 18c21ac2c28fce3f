import type { Embedder } from '../embedding/embedder.js'
import { extractFeatures, type TextFeatures } from '../verify/text-features.js'
import type { WordRanks } from '../verify/word-ranks.js'
import type { LabelledPair } from './labelled-pairs.js'

export type ScoredPair = { similarity: number; label: number; a: TextFeatures; b: TextFeatures }

/** Embeds both sides of every pair (in batches) and extracts their verification features. */
export async function scorePairs(embedder: Embedder, pairs: readonly LabelledPair[], ranks: WordRanks, batch = 16): Promise<ScoredPair[]> {
  const out: ScoredPair[] = []
  for (let i = 0; i < pairs.length; i += batch) {
    const slice = pairs.slice(i, i + batch)
    const vectors = await embedder.embed(slice.flatMap((p) => [p.a, p.b]))
    slice.forEach((p, j) => {
      const va = vectors[2 * j]!
      const vb = vectors[2 * j + 1]!
      let dot = 0
      for (let d = 0; d < va.length; d++) dot += va[d]! * vb[d]!
      out.push({ similarity: dot, label: p.label, a: extractFeatures(p.a, ranks), b: extractFeatures(p.b, ranks) })
    })
  }
  return out
}
