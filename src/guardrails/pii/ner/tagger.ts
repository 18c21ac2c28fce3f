import type { Detection, EntityType } from '../entity-types.js'
import { ALLOWED, FeatureScratch, historyFeatures, staticFeatures, TAGS, type Tag } from './features.js'
import type { TaggerModel } from './tagger-model.js'
import { ruleFindings } from './rules.js'
import { type Token, tokenize } from './tokenize.js'

const ENTITY_OF: Record<string, EntityType> = { PER: 'PERSON', LOC: 'LOCATION', ADDR: 'STREET_ADDRESS' }
/** Entity of each tag index (undefined for 'O'), and whether the tag begins a span. */
const TAG_ENTITY = TAGS.map((t) => (t === 'O' ? undefined : ENTITY_OF[t.slice(2)]))
const TAG_BEGINS = TAGS.map((t) => t.startsWith('B-'))

/**
 * Per-call buffers, reused: the tagger runs on every request, and allocating them each time is what
 * made its p99 several times its median (garbage collection). Node runs this on one thread, and
 * nothing here yields, so one set per process is enough.
 */
const scratch = new FeatureScratch()
const scores = new Float32Array(TAGS.length)
let tagBuf = new Uint8Array(256)
let marginBuf = new Float64Array(256)

/**
 * Greedy left-to-right tagging: each token's best allowed tag (an index into TAGS) given the two tags
 * before it, and its margin over the runner-up. The arrays are reused by the next call.
 */
function tagIndices(model: TaggerModel, tokens: readonly Token[], text: string): { tags: Uint8Array; margins: Float64Array } {
  const n = tokens.length
  if (tagBuf.length < n) {
    tagBuf = new Uint8Array(2 * n)
    marginBuf = new Float64Array(2 * n)
  }
  const feats = staticFeatures(tokens, text, model.gazetteer, scratch)
  const words = scratch.words
  let prev = 0
  let prev2 = 0
  for (let i = 0; i < n; i++) {
    scores.fill(0)
    model.accumulate(feats.hashes, scores, feats.start[i], feats.start[i + 1])
    model.accumulate(historyFeatures(TAGS[prev] as Tag, TAGS[prev2] as Tag, words[i] as string), scores)
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
    tagBuf[i] = best
    marginBuf[i] = (scores[best] as number) - second
    prev2 = prev
    prev = best
  }
  return { tags: tagBuf, margins: marginBuf }
}

/** Greedy left-to-right tagging: each token's best allowed tag given the two tags before it. */
export function tagTokens(model: TaggerModel, tokens: readonly Token[], text: string): { tags: Tag[]; margins: number[] } {
  const { tags, margins } = tagIndices(model, tokens, text)
  return { tags: Array.from(tags.subarray(0, tokens.length), (t) => TAGS[t] as Tag), margins: Array.from(margins.subarray(0, tokens.length)) }
}

/** Person names, locations and street addresses found by the trained tagger. */
export function findNamedEntities(model: TaggerModel, text: string): Detection[] {
  const tokens = tokenize(text)
  const out: Detection[] = []
  if (tokens.length === 0) return out
  const { tags, margins } = tagIndices(model, tokens, text)
  let openTag = 0 // the B- tag index of the open span, 0 when none
  let start = 0
  let end = 0
  let margin = 0
  let count = 0
  const close = () => {
    if (openTag === 0) return
    const entity = TAG_ENTITY[openTag]
    if (entity !== undefined) out.push({ entity, start, end, score: 1 / (1 + Math.exp(-margin / count / model.temperature)), recognizer: 'tagger' })
    openTag = 0
  }
  for (let i = 0; i < tokens.length; i++) {
    const tag = tags[i] as number
    const tok = tokens[i] as Token
    if (tag === 0) {
      close()
      continue
    }
    if (TAG_BEGINS[tag] === true || openTag === 0) {
      close()
      // An I- tag without a B- (cannot happen after ALLOWED, kept for safety) opens a span of its own type.
      openTag = TAG_BEGINS[tag] === true ? tag : tag - 1
      start = tok.start
      end = tok.end
      margin = margins[i] as number
      count = 1
      continue
    }
    end = tok.end
    margin += margins[i] as number
    count++
  }
  close()
  ruleFindings(text, tokens, tags, scratch.words, scratch.shapes, scratch.gazBits, scratch.common, out)
  return out
}
