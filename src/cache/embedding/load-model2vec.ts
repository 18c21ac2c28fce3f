import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Embedder } from './embedder.js'
import { createOnnxEmbedder } from './onnx-embedder.js'
import { readSafetensors } from './safetensors.js'
import { buildStaticEmbeddingGraph, type StaticTable } from './static-graph.js'
import { loadTokenizer } from './text-tokenizer.js'

/**
 * A Model2Vec static model (model.safetensors + tokenizer.json) turned into an ONNX graph in memory:
 * `embeddings` [rows, dims], optional `mapping` (token id → row, vocabulary-quantized models) and
 * optional per-token `weights`. [UNK] tokens are dropped before pooling, as model2vec does.
 */
export async function loadModel2Vec(dir: string, opts: { threads?: number } = {}): Promise<Embedder> {
  const tensors = await readSafetensors(`${dir}/model.safetensors`)
  const embeddings = tensors.get('embeddings') ?? tensors.get('embedding.weight')
  if (!embeddings || embeddings.shape.length !== 2) throw new Error(`model2vec: ${dir}/model.safetensors has no 2-d 'embeddings' tensor`)
  const [rows, dimensions] = embeddings.shape as [number, number]
  const mapping = tensors.get('mapping')
  const weights = tensors.get('weights')
  const table: StaticTable = {
    rows,
    dimensions,
    vectors: embeddings.data instanceof Uint16Array ? embeddings.data : Float32Array.from(embeddings.data as Float32Array),
    mapping: mapping ? Int32Array.from(mapping.data as Int32Array, Number) : undefined,
    weights: weights ? Float32Array.from(weights.data as Float64Array, Number) : undefined,
  }
  const tokenizerJson = await readFile(`${dir}/tokenizer.json`)
  const unkId = findUnkId(JSON.parse(tokenizerJson.toString('utf8')))
  const id = `model2vec:${createHash('sha256').update(await readFile(`${dir}/model.safetensors`)).update(tokenizerJson).digest('hex').slice(0, 16)}`
  return createOnnxEmbedder({
    id,
    model: buildStaticEmbeddingGraph(table, { source: 'model2vec' }),
    tokenize: await loadTokenizer(dir, { dropIds: unkId === undefined ? [] : [unkId], addSpecialTokens: false }),
    pooling: 'mean',
    threads: opts.threads,
  })
}

export function findUnkId(tokenizer: { model?: { unk_id?: number | null; unk_token?: string; vocab?: unknown }; added_tokens?: Array<{ id: number; content: string }> }): number | undefined {
  if (typeof tokenizer.model?.unk_id === 'number') return tokenizer.model.unk_id
  const unk = tokenizer.model?.unk_token ?? '[UNK]'
  const vocab = tokenizer.model?.vocab
  if (vocab && !Array.isArray(vocab) && typeof vocab === 'object' && unk in vocab) return (vocab as Record<string, number>)[unk]
  return tokenizer.added_tokens?.find((t) => t.content === unk)?.id
}
