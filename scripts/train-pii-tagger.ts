// Trains the PERSON / LOCATION / STREET_ADDRESS tagger (averaged perceptron over hashed token
// features plus a name/city gazetteer) on the training templates of the Presidio synthetic data set,
// and writes models/pii-tagger/tagger.bin. Deterministic: same data, same file.
// Run: npm run train:pii-tagger
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { allowed, historyFeatures, staticFeatures, TAGS, type Tag, type TokenFeatures } from '../src/guardrails/pii/ner/features.js'
import { TaggerModel } from '../src/guardrails/pii/ner/tagger-model.js'
import { type Token, tokenize } from '../src/guardrails/pii/ner/tokenize.js'
import { loadPiiSplit, type PiiRow, repoRoot } from './guardrails-data.js'
import { buildGazetteer } from './pii-gazetteer.js'

const EPOCHS = 12
/** Chance that a token's neighbouring-word features are hidden during a training step (see features.ts). */
const LEXICAL_DROPOUT = 0.5
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
    const feats = s.feats.hashes.subarray(s.feats.start[i], end)
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

const { train } = loadPiiSplit()
const gazetteer = buildGazetteer()
const sentences: Sentence[] = train.map(toUtf16).map((row) => {
  const tokens = tokenize(row.text)
  return { tokens, feats: staticFeatures(tokens, row.text, gazetteer), gold: goldTags(row, tokens) }
})
const p = new AveragedPerceptron()
const rand = mulberry32(42)
const order = sentences.map((_, i) => i)
for (let epoch = 0; epoch < EPOCHS; epoch++) {
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
  console.log(`epoch ${epoch + 1}: token accuracy while learning ${(correct / total).toFixed(4)}`)
}
const weights = p.averaged()
// Temperature: the median decision margin of the final model on its training data maps to ~0.73 confidence.
const final = new AveragedPerceptron()
for (const [f, w] of weights) final.w.set(f, w)
const margins = sentences.flatMap((s) => decode(final, s, false).margins).sort((a, b) => a - b)
const temperature = margins[Math.floor(margins.length / 2)] ?? 1
const out = path.join(repoRoot, 'models/pii-tagger/tagger.bin')
mkdirSync(path.dirname(out), { recursive: true })
const buf = TaggerModel.serialize(weights, temperature, gazetteer)
writeFileSync(out, buf)
console.log(`${train.length} training texts, ${weights.size} features → ${out} (${buf.length} bytes, temperature ${temperature.toFixed(3)})`)
