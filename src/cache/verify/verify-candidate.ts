import type { TextFeatures } from './text-features.js'

export type VerifyRules = {
  /** A content word at or beyond this frequency rank is "key": it must occur on both sides. */
  keyWordRank: number
  /** At most this many common content words may differ between the two texts (paraphrase allowance). */
  maxDifferentWords: number
  /**
   * At most this share of the texts' content (words weighted by rarity) may differ: a paraphrase keeps
   * its topic words and rewords the rest; "clean a leather bag" vs "clean a leather chair" swaps the topic.
   */
  maxDifferentShare: number
  /**
   * Content words both texts share must keep their order ("convert A to B" is not "convert B to A"),
   * except that a text with several shared words may move whole phrases ("X is used for Y" / "for Y,
   * X is used"): see `orderCompatible`.
   */
  sameOrder: boolean
}

export type Verdict = { ok: true } | { ok: false; reason: 'numbers' | 'negation' | 'entity' | 'key-word' | 'antonym' | 'wording' | 'order' }

const NEGATING_PREFIXES = ['un', 'in', 'im', 'il', 'ir', 'dis', 'non']

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/**
 * Decides whether a stored question may answer the query although the texts differ: numbers,
 * negation, named entities and rare (key) content words must agree, and only a few common words
 * may differ. Embedding similarity alone lets "convert 5 km" answer "convert 50 km".
 */
export function verifyCandidate(query: TextFeatures, candidate: TextFeatures, rules: VerifyRules): Verdict {
  if (!sameList(query.numbers, candidate.numbers)) return { ok: false, reason: 'numbers' }
  if (query.negated !== candidate.negated) return { ok: false, reason: 'negation' }
  for (const e of query.entities) if (!candidate.stems.has(e)) return { ok: false, reason: 'entity' }
  for (const e of candidate.entities) if (!query.stems.has(e)) return { ok: false, reason: 'entity' }
  let different = 0
  let differentWeight = 0
  let totalWeight = 0
  for (const [side, other] of [
    [query, candidate],
    [candidate, query],
  ] as const) {
    for (const [word, rank] of side.content) {
      const weight = rarity(rank)
      totalWeight += weight
      if (other.stems.has(word)) continue
      differentWeight += weight
      if (rank >= rules.keyWordRank) return { ok: false, reason: 'key-word' }
      if (NEGATING_PREFIXES.some((p) => (word.startsWith(p) && other.stems.has(word.slice(p.length))) || other.stems.has(p + word)))
        return { ok: false, reason: 'antonym' }
      different++
    }
  }
  if (different > rules.maxDifferentWords || (totalWeight > 0 && differentWeight / totalWeight > rules.maxDifferentShare)) return { ok: false, reason: 'wording' }
  if (rules.sameOrder && !orderCompatible(query.order, candidate.order)) return { ok: false, reason: 'order' }
  return { ok: true }
}

/** Information weight of a word from its frequency rank (inverse-frequency under Zipf's law); unknown words weigh most. */
function rarity(rank: number): number {
  return Math.log(Math.min(rank, 100_000) + 20)
}

/** Below this many shared content words, any change of their order is rejected. */
const MIN_SHARED_FOR_REORDER = 4

/**
 * Whether the words the two sequences share come in an order that keeps their roles. The same order
 * always does. Otherwise `b`'s shared words are cut into runs that were adjacent and in order in `a`:
 * a rewording that moves phrases ("HF ecosystem libraries … the Deep RL Course" for "the Deep RL
 * Course … libraries from the HF ecosystem") moves runs of several words; a role swap ("ethane to
 * ethene" / "ethene to ethane", "Mexican girls … black guys" / "black girls … Mexican guys") moves
 * single words. Short texts must keep the order; longer ones may have at most a third of their
 * shared words displaced on their own.
 */
export function orderCompatible(a: readonly string[], b: readonly string[]): boolean {
  const inB = new Set(b)
  const inA = new Set(a)
  const sharedA = a.filter((w) => inB.has(w))
  const sharedB = b.filter((w) => inA.has(w))
  if (sharedA.length === sharedB.length && sharedA.every((w, i) => w === sharedB[i])) return true
  if (sharedB.length < MIN_SHARED_FOR_REORDER) return false
  const position = new Map(sharedA.map((w, i) => [w, i]))
  let singles = 0
  let runLength = 1
  for (let i = 1; i <= sharedB.length; i++) {
    if (i < sharedB.length && position.get(sharedB[i]!) === position.get(sharedB[i - 1]!)! + 1) {
      runLength++
      continue
    }
    if (runLength === 1) singles++
    runLength = 1
  }
  return 3 * singles <= sharedB.length
}
