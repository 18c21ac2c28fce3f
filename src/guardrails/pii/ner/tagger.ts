import type { Detection, EntityType } from '../entity-types.js'
import { ALLOWED, historyFeatures, staticFeatures, TAGS, type Tag } from './features.js'
import type { TaggerModel } from './tagger-model.js'
import { type Token, tokenize } from './tokenize.js'

const ENTITY_OF: Record<string, EntityType> = { PER: 'PERSON', LOC: 'LOCATION', ADDR: 'STREET_ADDRESS' }

/** Greedy left-to-right tagging: each token's best allowed tag given the two tags before it. */
export function tagTokens(model: TaggerModel, tokens: readonly Token[], text: string): { tags: Tag[]; margins: number[] } {
  const feats = staticFeatures(tokens, text, model.gazetteer)
  const tags: Tag[] = []
  const margins: number[] = []
  const scores = new Float32Array(TAGS.length)
  let prev = 0
  let prev2 = 0
  for (let i = 0; i < tokens.length; i++) {
    scores.fill(0)
    model.accumulate(feats.hashes, scores, feats.start[i], feats.start[i + 1])
    model.accumulate(historyFeatures(TAGS[prev] as Tag, TAGS[prev2] as Tag, (tokens[i] as Token).text.toLowerCase()), scores)
    const allowedNext = ALLOWED[prev] as Uint8Array
    let best = 0 // 'O' is always allowed
    let second = Number.NEGATIVE_INFINITY
    for (let t = 1; t < TAGS.length; t++) {
      if (allowedNext[t] === 0) continue
      const s = scores[t] as number
      if (s > (scores[best] as number)) {
        second = scores[best] as number
        best = t
      } else if (s > second) second = s
    }
    if (best !== 0) second = Math.max(second, scores[0] as number)
    tags.push(TAGS[best] as Tag)
    margins.push((scores[best] as number) - second)
    prev2 = prev
    prev = best
  }
  return { tags, margins }
}

/** Person names, locations and street addresses found by the trained tagger. */
export function findNamedEntities(model: TaggerModel, text: string): Detection[] {
  const tokens = tokenize(text)
  if (tokens.length === 0) return []
  const { tags, margins } = tagTokens(model, tokens, text)
  const out: Detection[] = []
  let open: { type: string; start: number; end: number; margin: number; n: number } | undefined
  const close = () => {
    if (open === undefined) return
    const entity = ENTITY_OF[open.type]
    const mean = open.margin / open.n
    if (entity !== undefined)
      out.push({ entity, start: open.start, end: open.end, score: 1 / (1 + Math.exp(-mean / model.temperature)), recognizer: 'tagger' })
    open = undefined
  }
  tags.forEach((tag, i) => {
    const tok = tokens[i] as Token
    const margin = margins[i] as number
    if (tag === 'O') return close()
    if (tag.startsWith('B-') || open === undefined) {
      close()
      open = { type: tag.slice(2), start: tok.start, end: tok.end, margin, n: 1 }
      return
    }
    open.end = tok.end
    open.margin += margin
    open.n++
  })
  close()
  return out
}
