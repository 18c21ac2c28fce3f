import type { Detection, EntityType } from '../entity-types.js'
import {
  ALLOWED,
  emitContext,
  emitContextWords,
  emitNext,
  emitNext2Word,
  emitNextWord,
  emitPrev,
  emitPrev2Word,
  emitPrevWord,
  emitSelf,
  FeatureScratch,
  historyFeatures,
  historyTagHashes,
  historyWordHash,
  NO_WORD,
  staticFeatures,
  TAGS,
  type Tag,
  textCaseOf,
  type WordInfo,
  wordInfo,
} from './features.js'
import { ruleFindings } from './rules.js'
import type { TaggerModel } from './tagger-model.js'
import { type Token, tokenize } from './tokenize.js'

const ENTITY_OF: Record<string, EntityType> = { PER: 'PERSON', LOC: 'LOCATION', ADDR: 'STREET_ADDRESS' }
/** Entity of each tag index (undefined for 'O' and for tags the gateway does not report), and whether the tag begins a span. */
const TAG_ENTITY = TAGS.map((t) => (t === 'O' ? undefined : ENTITY_OF[t.slice(2)]))
const TAG_BEGINS = TAGS.map((t) => t.startsWith('B-'))
const NT = TAGS.length

/**
 * A word's share of the scores, the same wherever it occurs: the weights of its own features, of
 * the features it gives the tokens one and two to its left and right, and of the history feature
 * "previous tag + this word" for each previous tag. Adding these up per token gives the same sums
 * as looking up every feature of staticFeatures, with a third of the lookups; the rest
 * (word pairs, shapes in context, line breaks) are looked up per token.
 */
type WordScores = {
  info: WordInfo
  /** [own | as previous | as next | as second previous | as second next | history by previous tag (NT × NT)] */
  vec: Float32Array
}
const SELF = 0
const AS_PREV = NT
const AS_NEXT = 2 * NT
const AS_PREV2 = 3 * NT
const AS_NEXT2 = 4 * NT
const HIST = 5 * NT
const VEC = 5 * NT + NT * NT

const featureBuf = new Uint32Array(64)

function wordScores(model: TaggerModel, info: WordInfo, edge: boolean): WordScores {
  const vec = new Float32Array(VEC)
  let k = 0
  if (!edge) {
    k = emitSelf(info, featureBuf, 0)
    model.accumulateAt(featureBuf, 0, k, vec, SELF)
  }
  k = emitPrevWord(info, featureBuf, emitPrev(info, featureBuf, 0))
  model.accumulateAt(featureBuf, 0, k, vec, AS_PREV)
  k = emitNextWord(info, featureBuf, emitNext(info, featureBuf, 0))
  model.accumulateAt(featureBuf, 0, k, vec, AS_NEXT)
  k = emitPrev2Word(info, featureBuf, 0)
  model.accumulateAt(featureBuf, 0, k, vec, AS_PREV2)
  k = emitNext2Word(info, featureBuf, 0)
  model.accumulateAt(featureBuf, 0, k, vec, AS_NEXT2)
  if (!edge)
    for (let p = 0; p < NT; p++) {
      featureBuf[0] = historyWordHash(p, info.w)
      model.accumulateAt(featureBuf, 0, 1, vec, HIST + p * NT)
    }
  return { info, vec }
}

/** Per model: word scores by token text (bounded: cleared when full), the text-edge stand-in, and the tag-pair history weights. */
type ModelCache = { words: Map<string, WordScores>; edge: WordScores; tagPairs: Float32Array }
const CACHE_LIMIT = 50_000
const caches = new WeakMap<TaggerModel, ModelCache>()

function cacheOf(model: TaggerModel): ModelCache {
  let c = caches.get(model)
  if (c === undefined) {
    const tagPairs = new Float32Array(NT * NT * NT)
    for (let p2 = 0; p2 < NT; p2++)
      for (let p = 0; p < NT; p++) model.accumulateAt(historyTagHashes(p, p2), 0, 2, tagPairs, (p2 * NT + p) * NT)
    c = { words: new Map(), edge: wordScores(model, NO_WORD, true), tagPairs }
    caches.set(model, c)
  }
  return c
}

/**
 * Per-call buffers, reused: the tagger runs on every request, and allocating them each time is what
 * made its p99 several times its median (garbage collection). Node runs this on one thread, and
 * nothing here yields, so one set per process is enough.
 */
const scratch = new FeatureScratch()
const scores = new Float32Array(NT)
let tagBuf = new Uint8Array(256)
let marginBuf = new Float64Array(256)
let rowBuf: WordScores[] = []

function hasNewline(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) return true
  return false
}

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
  scratch.reserve(n)
  const cache = cacheOf(model)
  if (cache.words.size > CACHE_LIMIT) cache.words.clear()
  const rows = rowBuf
  rows.length = n
  const { words, shapes, gazBits, common } = scratch
  words.length = n
  shapes.length = n
  for (let i = 0; i < n; i++) {
    const t = (tokens[i] as Token).text
    let ws = cache.words.get(t)
    if (ws === undefined) {
      ws = wordScores(model, wordInfo(t, model.gazetteer), false)
      cache.words.set(t, ws)
    }
    rows[i] = ws
    words[i] = ws.info.w
    shapes[i] = ws.info.sh
    gazBits[i] = ws.info.bits
    common[i] = ws.info.common === '1' ? 1 : 0
  }
  const edge = cache.edge
  const at = (j: number) => (j >= 0 && j < n ? (rows[j] as WordScores) : edge)
  const tagPairs = cache.tagPairs
  let prev = 0
  let prev2 = 0
  for (let i = 0; i < n; i++) {
    const self = (rows[i] as WordScores).vec
    const p = at(i - 1).vec
    const nx = at(i + 1).vec
    const p2 = at(i - 2).vec
    const nx2 = at(i + 2).vec
    const pair = (prev2 * NT + prev) * NT
    const hist = HIST + prev * NT
    for (let t = 0; t < NT; t++)
      scores[t] =
        (self[SELF + t] as number) +
        (p[AS_PREV + t] as number) +
        (nx[AS_NEXT + t] as number) +
        (p2[AS_PREV2 + t] as number) +
        (nx2[AS_NEXT2 + t] as number) +
        (self[hist + t] as number) +
        (tagPairs[pair + t] as number)
    const tok = tokens[i] as Token
    const before = tokens[i - 1]
    const after = tokens[i + 1]
    const nlBefore = before === undefined || hasNewline(text, before.end, tok.start)
    const nlAfter = after !== undefined && hasNewline(text, tok.end, after.start)
    const ip2 = at(i - 2).info
    const ip = at(i - 1).info
    const inx = at(i + 1).info
    let k = emitContext(ip2, ip, (rows[i] as WordScores).info, inx, nlBefore, nlAfter, featureBuf, 0)
    k = emitContextWords(ip2, ip, inx, at(i + 2).info, featureBuf, k)
    model.accumulateAt(featureBuf, 0, k, scores, 0)
    const best = bestAllowed(scores, prev)
    tagBuf[i] = best
    marginBuf[i] = bestMargin
    prev2 = prev
    prev = best
  }
  return { tags: tagBuf, margins: marginBuf }
}

/** Set by bestAllowed: how far the chosen tag's score is above the runner-up's (a second result without an allocation). */
let bestMargin = 0

/** The highest-scoring tag allowed after `prev` ('O' always is). */
function bestAllowed(scores: Float32Array, prev: number): number {
  const allowedNext = ALLOWED[prev] as Uint8Array
  let best = 0
  let second = Number.NEGATIVE_INFINITY
  for (let t = 1; t < NT; t++) {
    if (allowedNext[t] === 0) continue
    const s = scores[t] as number
    if (s > (scores[best] as number)) {
      second = scores[best] as number
      best = t
    } else if (s > second) second = s
  }
  if (best !== 0) second = Math.max(second, scores[0] as number)
  bestMargin = (scores[best] as number) - second
  return best
}

/**
 * The same tagging by looking up every feature of staticFeatures per token (what training scores):
 * the reference the cached path above is tested against.
 */
export function tagTokensReference(model: TaggerModel, tokens: readonly Token[], text: string): { tags: Tag[]; margins: number[] } {
  const feats = staticFeatures(tokens, text, model.gazetteer)
  const words = tokens.map((t) => t.text.toLowerCase())
  const tags: Tag[] = []
  const margins: number[] = []
  const sc = new Float32Array(NT)
  let prev = 0
  let prev2 = 0
  for (let i = 0; i < tokens.length; i++) {
    sc.fill(0)
    model.accumulate(feats.hashes, sc, feats.start[i], feats.start[i + 1])
    model.accumulate(historyFeatures(TAGS[prev] as Tag, TAGS[prev2] as Tag, words[i] as string), sc)
    const best = bestAllowed(sc, prev)
    tags.push(TAGS[best] as Tag)
    margins.push(bestMargin)
    prev2 = prev
    prev = best
  }
  return { tags, margins }
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
  ruleFindings(text, tokens, tags, scratch.words, scratch.shapes, scratch.gazBits, scratch.common, textCaseOf(text) === 'lower', out)
  return out
}
