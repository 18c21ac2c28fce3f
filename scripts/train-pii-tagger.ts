// Trains the PERSON / LOCATION / STREET_ADDRESS tagger (averaged perceptron over hashed token
// features plus a name/city gazetteer) on the training templates of the Presidio synthetic data set,
// and writes models/pii-tagger/tagger.bin. Deterministic: same data, same file.
// Run: npm run train:pii-tagger
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { allowed, historyFeatures, staticFeatures, TAGS, type Tag, type TokenFeatures } from '../src/guardrails/pii/ner/features.js'
import { type Gazetteer, TaggerModel } from '../src/guardrails/pii/ner/tagger-model.js'
import { type Token, tokenize } from '../src/guardrails/pii/ner/tokenize.js'
import { fnv1a } from '../src/guardrails/fnv1a.js'
import { compilePiiDetector } from '../src/guardrails/pii/detector.js'
import type { Detection, EntityType } from '../src/guardrails/pii/entity-types.js'
import { loadPiiSplit, type PiiRow, repoRoot } from './guardrails-data.js'
import { type Counts, countSpans, DATASET_ENTITY, scores } from './pii-metrics.js'
import { buildGazetteer } from './pii-gazetteer.js'

const EPOCHS = 12
/** How many perceptrons (different shuffles and dropout) are averaged into the model. */
const BAG = 5
/** Chance that a token's neighbouring-word features are hidden during a training step (see features.ts). */
const LEXICAL_DROPOUT = 0.9
/** Chance that a token's own word feature is hidden during a training step. */
const WORD_DROPOUT = 0.3
const TYPE_OF: Record<string, string> = { PERSON: 'PER', GPE: 'LOC', STREET_ADDRESS: 'ADDR' }

type Sentence = { tokens: Token[]; feats: TokenFeatures; gold: Tag[] }

function goldTags(row: PiiRow, tokens: Token[]): Tag[] {
  const tags: Tag[] = tokens.map(() => 'O')
  for (const span of row.spans) {
    const type = TYPE_OF[span.entity_type]
    if (type === undefined) continue
    let first = true
    tokens.forEach((t, i) => {
      if (t.start < span.end && t.end > span.start) {
        tags[i] = `${first ? 'B' : 'I'}-${type}` as Tag
        first = false
      }
    })
  }
  return tags
}

// Python's offsets count code points; JavaScript's count UTF-16 units. Convert where they differ.
function toUtf16(row: PiiRow): PiiRow {
  if (!/[\u{10000}-\u{10FFFF}]/u.test(row.text)) return row
  const cps = Array.from(row.text)
  const at = (cp: number) => cps.slice(0, cp).join('').length
  return { ...row, spans: row.spans.map((s) => ({ ...s, start: at(s.start), end: at(s.end) })) }
}

function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class AveragedPerceptron {
  readonly w = new Map<number, Float32Array>()
  private readonly u = new Map<number, Float32Array>()
  private c = 1

  score(features: ArrayLike<number>, scores: Float32Array): void {
    for (let i = 0; i < features.length; i++) {
      const w = this.w.get(features[i] as number)
      if (w) for (let t = 0; t < TAGS.length; t++) (scores[t] as number) += w[t] as number
    }
  }

  update(features: ArrayLike<number>, good: number, bad: number): void {
    for (let i = 0; i < features.length; i++) {
      const f = features[i] as number
      let w = this.w.get(f)
      let u = this.u.get(f)
      if (!w || !u) {
        w = new Float32Array(TAGS.length)
        u = new Float32Array(TAGS.length)
        this.w.set(f, w)
        this.u.set(f, u)
      }
      ;(w[good] as number) += 1
      ;(w[bad] as number) -= 1
      ;(u[good] as number) += this.c
      ;(u[bad] as number) -= this.c
    }
  }

  tick(): void {
    this.c++
  }

  averaged(): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>()
    for (const [f, w] of this.w) {
      const u = this.u.get(f) as Float32Array
      out.set(f, Float32Array.from(w, (x, t) => x - (u[t] as number) / this.c))
    }
    return out
  }
}

function decode(p: AveragedPerceptron, s: Sentence, learn: boolean, rand?: () => number): { correct: number; margins: number[] } {
  const tags: Tag[] = []
  const margins: number[] = []
  let correct = 0
  const scores = new Float32Array(TAGS.length)
  for (let i = 0; i < s.tokens.length; i++) {
    // Training follows the gold history, so one early mistake does not poison the rest of the sentence.
    const prev = learn ? (s.gold[i - 1] ?? 'O') : (tags[i - 1] ?? 'O')
    const prev2 = learn ? (s.gold[i - 2] ?? 'O') : (tags[i - 2] ?? 'O')
    const hist = historyFeatures(prev, prev2, (s.tokens[i] as Token).text.toLowerCase())
    scores.fill(0)
    const end = rand !== undefined && rand() < LEXICAL_DROPOUT ? (s.feats.lexicalFrom[i] as number) : (s.feats.start[i + 1] as number)
    let feats = s.feats.hashes.subarray(s.feats.start[i], end)
    // The word itself hidden too, now and then: a name the model has seen must still be found by its
    // shape, affixes, gazetteer hits and context, as an unseen one would be.
    if (rand !== undefined && WORD_DROPOUT > 0 && rand() < WORD_DROPOUT) {
      const copy = Uint32Array.from(feats)
      copy[1] = 0
      feats = copy
    }
    p.score(feats, scores)
    p.score(hist, scores)
    let best = -1
    let second = Number.NEGATIVE_INFINITY
    for (let t = 0; t < TAGS.length; t++) {
      if (!allowed(prev, TAGS[t] as Tag)) continue
      if (best < 0 || (scores[t] as number) > (scores[best] as number)) {
        if (best >= 0) second = Math.max(second, scores[best] as number)
        best = t
      } else second = Math.max(second, scores[t] as number)
    }
    const gold = TAGS.indexOf(s.gold[i] as Tag)
    if (best === gold) correct++
    else if (learn) {
      p.update(feats, gold, best)
      p.update(hist, gold, best)
    }
    if (learn) p.tick()
    tags.push(TAGS[best] as Tag)
    margins.push((scores[best] as number) - second)
  }
  return { correct, margins }
}

type TrainOptions = { epochs: number; seed: number }


/** Trains on `rows` and returns the serialised model (the bytes of tagger.bin). */
function trainTagger(rows: readonly PiiRow[], gazetteer: Gazetteer, opts: TrainOptions, log = false): Buffer {
  const sentences: Sentence[] = rows.map(toUtf16).map((row) => {
    const tokens = tokenize(row.text)
    return { tokens, feats: staticFeatures(tokens, row.text, gazetteer), gold: goldTags(row, tokens) }
  })
  // A bag of BAG perceptrons, each with its own shuffles and dropout masks, averaged into one linear
  // model: the same size and speed as one, with less of the luck of one training order.
  const weights = new Map<number, Float32Array>()
  for (let b = 0; b < BAG; b++) {
    const p = new AveragedPerceptron()
    const rand = mulberry32(opts.seed + 1000 * b)
    const order = sentences.map((_, i) => i)
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1))
        ;[order[i], order[j]] = [order[j] as number, order[i] as number]
      }
      let correct = 0
      let total = 0
      for (const i of order) {
        const s = sentences[i] as Sentence
        correct += decode(p, s, true, rand).correct
        total += s.tokens.length
      }
      if (log) console.log(`model ${b + 1}/${BAG}, epoch ${epoch + 1}: token accuracy while learning ${(correct / total).toFixed(4)}`)
    }
    for (const [f, w] of p.averaged()) {
      const into = weights.get(f) ?? new Float32Array(TAGS.length)
      for (let t = 0; t < TAGS.length; t++) (into[t] as number) += (w[t] as number) / BAG
      weights.set(f, into)
    }
  }
  // Temperature: the median decision margin of the final model on its training data maps to ~0.73 confidence.
  const final = new AveragedPerceptron()
  for (const [f, w] of weights) final.w.set(f, w)
  const margins = sentences.flatMap((s) => decode(final, s, false).margins).sort((a, b) => a - b)
  const temperature = margins[Math.floor(margins.length / 2)] ?? 1
  const buf = TaggerModel.serialize(weights, temperature, gazetteer)
  if (log) console.log(`${rows.length} training texts, ${weights.size} features, temperature ${temperature.toFixed(3)}`)
  return buf
}

const TAGGER_ENTITIES = new Set<EntityType>(['PERSON', 'LOCATION', 'STREET_ADDRESS'])
/** Confidence floors the cross-validation reports (0.5 is the gateway's default `min_confidence`). */
const CV_THRESHOLDS = [0.5, 0.6]
/** Training seeds the cross-validation sums over (the folds' scores vary with the shuffle). */
const CV_SEEDS = [42, 7, 1234]

/**
 * Model selection without the held-out templates: k-fold cross-validation over the training side,
 * folds by template (a fold's templates are never trained on while it is scored), through the same
 * detector the gateway uses. `--cv` prints per-entity overlap P/R summed over the folds.
 */
function crossValidate(rows: readonly PiiRow[], gazetteer: Gazetteer, opts: TrainOptions, showErrors: boolean, folds = 5): Map<string, Counts> {
  const total = new Map<string, Counts>()
  for (const seed of CV_SEEDS)
  for (let f = 0; f < folds; f++) {
    const inFold = (r: PiiRow) => fnv1a(`fold:${r.template_id}`) % folds === f
    const model = TaggerModel.fromBuffer(trainTagger(rows.filter((r) => !inFold(r)), gazetteer, { ...opts, seed }))
    const scored = rows.filter(inFold).map(toUtf16)
    for (const minConfidence of CV_THRESHOLDS) {
      const detect = compilePiiDetector({ entities: TAGGER_ENTITIES, minConfidence, tagger: model })
      if (showErrors && minConfidence === 0.5 && seed === 42) for (const r of scored) printErrors(r, detect(r.text))
      for (const [e, c] of countSpans(scored, detect)) {
        const key = `${e}@${minConfidence}`
        const t = total.get(key) ?? { gold: 0, predicted: 0, overlapTp: 0, overlapPredTp: 0, exactTp: 0 }
        for (const k of Object.keys(c) as Array<keyof Counts>) t[k] += c[k]
        total.set(key, t)
      }
    }
  }
  return total
}

/** Training-side misses (gold spans no prediction overlaps) and false alarms, for `--cv --errors`. */
function printErrors(row: PiiRow, found: readonly Detection[]): void {
  const gold = row.spans.flatMap((s) => {
    const e = DATASET_ENTITY[s.entity_type]
    return e !== undefined && TAGGER_ENTITIES.has(e as EntityType) ? [{ ...s, entity_type: e }] : []
  })
  const hit = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end
  const ctx = (s: number, e: number) => `${row.text.slice(Math.max(0, s - 30), s)}[[${row.text.slice(s, e)}]]${row.text.slice(e, e + 30)}`.replace(/\n/g, '⏎')
  for (const g of gold) if (!found.some((d) => d.entity === g.entity_type && hit(d, g))) console.log(`MISS ${g.entity_type} t${row.template_id}: ${ctx(g.start, g.end)}`)
  for (const d of found) if (!gold.some((g) => d.entity === g.entity_type && hit(d, g))) console.log(`FALSE ${d.entity} ${d.score.toFixed(2)} t${row.template_id}: ${ctx(d.start, d.end)}`)
}

const { train } = loadPiiSplit()
const gazetteer = buildGazetteer()
const options: TrainOptions = { epochs: EPOCHS, seed: 42 }
if (process.argv.includes('--cv')) {
  const counts = crossValidate(train, gazetteer, options, process.argv.includes('--errors'))
  for (const e of TAGGER_ENTITIES)
    for (const t of CV_THRESHOLDS) {
      const c = counts.get(`${e}@${t}`) as Counts
      const s = scores(c)
      console.log(`${e.padEnd(15)} min ${t.toFixed(2)} gold ${String(c.gold).padStart(4)} pred ${String(c.predicted).padStart(4)}  P ${s.precision.toFixed(3)}  R ${s.recall.toFixed(3)}`)
    }
} else {
  const buf = trainTagger(train, gazetteer, options, true)
  const out = path.join(repoRoot, 'models/pii-tagger/tagger.bin')
  mkdirSync(path.dirname(out), { recursive: true })
  writeFileSync(out, buf)
  console.log(`→ ${out} (${buf.length} bytes)`)
}
