// Trains the prompt-injection classifier (logistic regression over hashed word and character
// n-grams of the normalised text) on the training side of scripts/guardrails-data.ts and writes
// models/injection/classifier.bin. Deterministic: same data, same file. Run: npm run train:injection
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { InjectionClassifier } from '../src/guardrails/injection/classifier-model.js'
import { FEATURE_BITS, featureIndices, featureScale } from '../src/guardrails/injection/features.js'
import { normalizeForInjection } from '../src/guardrails/injection/normalize.js'
import { bucket, dedupeKey, type InjectionExample, loadInjectionSplit, repoRoot } from './guardrails-data.js'

/** How many QQP questions serve as benign training examples (the file order decides which). */
export const TRAIN_QUESTIONS = 40_000
const EPOCHS = 10
const LEARNING_RATE = 0.5
const L2 = 1e-6
/**
 * Loss weight per example. Attacks are rare, and the data sets' own benign prompts (instructions,
 * role-play, German questions) are few next to tens of thousands of Quora questions: without
 * weighting, the model would learn "not a Quora question" instead of "an attack".
 */
const POSITIVE_WEIGHT = 10
const DATASET_BENIGN_WEIGHT = 30
const INSTRUCTION_WEIGHT = 10
const CALIBRATION_FPR = 0.01

type Vec = { idx: Uint32Array; y: 0 | 1; weight: number }

function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function vectorize(examples: readonly InjectionExample[]): Vec[] {
  return examples.map((e) => ({
    idx: featureIndices(normalizeForInjection(e.text), e.text),
    y: e.label,
    weight: e.label === 1 ? POSITIVE_WEIGHT : e.dataset === 'deepset' || e.dataset === 'jackhhao' ? DATASET_BENIGN_WEIGHT : e.dataset === 'instructions' ? INSTRUCTION_WEIGHT : 1,
  }))
}

/** Logistic regression with AdaGrad; L2 applied lazily to the weights a step touches. */
export function train(data: readonly Vec[], seed = 42): { weights: Float32Array; bias: number } {
  const dim = 1 << FEATURE_BITS
  const w = new Float32Array(dim)
  const g2 = new Float32Array(dim).fill(1e-8)
  let bias = 0
  let gb2 = 1e-8
  const rand = mulberry32(seed)
  const order = data.map((_, i) => i)
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[order[i], order[j]] = [order[j] as number, order[i] as number]
    }
    for (const k of order) {
      const { idx, y, weight } = data[k] as Vec
      if (idx.length === 0) continue
      const v = featureScale(idx.length)
      let z = bias
      for (const i of idx) z += (w[i] as number) * v
      const p = 1 / (1 + Math.exp(-z))
      const g = (p - y) * weight
      for (const i of idx) {
        const gi = g * v + L2 * (w[i] as number)
        g2[i] = (g2[i] as number) + gi * gi
        w[i] = (w[i] as number) - (LEARNING_RATE * gi) / Math.sqrt(g2[i] as number)
      }
      gb2 += g * g
      bias -= (LEARNING_RATE * g) / Math.sqrt(gb2)
    }
  }
  return { weights: w, bias }
}

function scoreWith(model: { weights: Float32Array; bias: number }, idx: Uint32Array): number {
  let z = model.bias
  for (const i of idx) z += (model.weights[i] as number) * featureScale(idx.length)
  return 1 / (1 + Math.exp(-z))
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)
if (isMain) {
  const { train: examples } = loadInjectionSplit({ trainQuestions: TRAIN_QUESTIONS })
  const counts = examples.reduce<Record<string, number>>((acc, e) => ((acc[`${e.dataset}/${e.label}`] = (acc[`${e.dataset}/${e.label}`] ?? 0) + 1), acc), {})
  console.log('training examples', counts)
  // A validation fold inside the training side, only to print how training went.
  const isVal = (e: InjectionExample) => bucket(`val:${dedupeKey(e.text)}`) < 15
  const valExamples = examples.filter(isVal)
  const fit = vectorize(examples.filter((e) => !isVal(e)))
  const val = vectorize(valExamples)
  const probe = train(fit)
  const valScores = val.map((v) => scoreWith(probe, v.idx))
  const pos = valScores.filter((_, i) => val[i]?.y === 1)
  // Two negative sets: all of them (mostly Quora questions), and the hard ones (the data sets' own
  // benign prompts and everyday instructions), which look far more like attacks.
  const hard = (e: InjectionExample) => e.dataset !== 'questions' && e.dataset !== 'prose'
  const negAll = valScores.filter((_, i) => val[i]?.y === 0).sort((a, b) => b - a)
  const negHard = valScores.filter((_, i) => val[i]?.y === 0 && hard(valExamples[i] as InjectionExample)).sort((a, b) => b - a)
  const thresholdAt = (neg: number[], fpr: number) => neg[Math.floor(fpr * neg.length)] ?? 1
  for (const [name, neg] of [['all negatives', negAll], ['hard negatives', negHard]] as const)
    for (const fpr of [0.01, 0.05]) {
      const t = thresholdAt(neg, fpr)
      console.log(`validation fold, ${name}: TPR ${(pos.filter((s) => s > t).length / pos.length).toFixed(3)} at FPR ${fpr} (raw threshold ${t.toFixed(4)})`)
    }
  const model = train(vectorize(examples))
  // Calibration: shift the bias so that a score of 0.5 sits where the validation fold had 1% false
  // positives among the hard negatives. The default threshold (0.5) then means "about 1% of
  // everyday instructions and role-play prompts flagged" rather than an arbitrary point of an
  // uncalibrated logistic output; calibrating on Quora questions instead would flag half of all
  // short imperative requests ("Write an email to …").
  const t1 = thresholdAt(negHard, CALIBRATION_FPR)
  model.bias -= Math.log(t1 / (1 - t1))
  console.log(`calibration: bias shifted by ${(-Math.log(t1 / (1 - t1))).toFixed(3)}`)
  const out = path.join(repoRoot, 'models/injection/classifier.bin')
  mkdirSync(path.dirname(out), { recursive: true })
  const buf = InjectionClassifier.serialize(model.weights, model.bias)
  writeFileSync(out, buf)
  console.log(`${examples.length} examples → ${out} (${buf.length} bytes)`)
}
