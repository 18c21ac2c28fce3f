import type { Detection, EntityType } from '../entity-types.js'
import { allowed, historyFeatures, staticFeatures, TAGS, type Tag, type TokenFeatures } from './features.js'
import type { TaggerModel } from './tagger-model.js'
import { type Token, tokenize } from './tokenize.js'

const ENTITY_OF: Record<string, EntityType> = { PER: 'PERSON', LOC: 'LOCATION', ADDR: 'STREET_ADDRESS' }

/** Greedy left-to-right tagging: each token's best allowed tag given the two tags before it. */
export function tagTokens(model: TaggerModel, tokens: readonly Token[], text: string): { tags: Tag[]; margins: number[] } {
  const feats = staticFeatures(tokens, text, model.gazetteer)
  const tags: Tag[] = []
  const margins: number[] = []
  const scores = new Float32Array(TAGS.length)
  for (let i = 0; i < tokens.length; i++) {
    scores.fill(0)
    const prev = tags[i - 1] ?? 'O'
    model.accumulate((feats[i] as TokenFeatures).all, scores)
    model.accumulate(historyFeatures(prev, tags[i - 2] ?? 'O', (tokens[i] as Token).text.toLowerCase()), scores)
    let best = 0
    let second = Number.NEGATIVE_INFINITY
    for (let t = 0; t < TAGS.length; t++) {
      if (!allowed(prev, TAGS[t] as Tag)) continue
      const s = scores[t] as number
      if (t !== best && s > (scores[best] as number)) {
        second = Math.max(second, scores[best] as number)
        best = t
      } else if (t !== best) second = Math.max(second, s)
    }
    tags.push(TAGS[best] as Tag)
    margins.push((scores[best] as number) - second)
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
