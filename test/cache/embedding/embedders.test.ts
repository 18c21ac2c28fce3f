import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tokenizer } from '@huggingface/tokenizers'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Embedder } from '../../../src/cache/embedding/embedder.js'
import { loadModel2Vec } from '../../../src/cache/embedding/load-model2vec.js'
import { loadStaticOnnx } from '../../../src/cache/embedding/load-static-onnx.js'
import { loadTransformerOnnx } from '../../../src/cache/embedding/load-transformer-onnx.js'
import { encodeOnnxModel, rawBytes, TensorType } from '../../../src/cache/embedding/onnx-proto.js'
import { readSafetensors } from '../../../src/cache/embedding/safetensors.js'
import { buildStaticEmbeddingGraph, fromFloat16Bits, toFloat16Bits } from '../../../src/cache/embedding/static-graph.js'

const MODEL = fileURLToPath(new URL('../../../../shared/data/models/model2vec-vocab-quantized-test', import.meta.url))
const TEXTS = ['How do I convert 5 km to miles?', 'What is the capital of France?', 'is it safe to swim after eating']

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0)

/** model2vec's own recipe, in plain arrays: tokenize, drop [UNK], embeddings[mapping[id]] * weights[id], mean, L2 normalise. */
async function referenceEmbedding(text: string): Promise<Float32Array> {
  const tensors = await readSafetensors(`${MODEL}/model.safetensors`)
  const emb = tensors.get('embeddings')!
  const mapping = tensors.get('mapping')!.data as Int32Array
  const weights = tensors.get('weights')!.data as Float64Array
  const dims = emb.shape[1]!
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(`${MODEL}/tokenizer.json`, 'utf8')), {})
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids.filter((id: number) => id !== 1)
  const out = new Float32Array(dims)
  for (const id of ids) for (let d = 0; d < dims; d++) out[d]! += (emb.data as Float32Array)[mapping[id]! * dims + d]! * weights[id]!
  const norm = Math.hypot(...out)
  return out.map((v) => v / norm)
}

describe('model2vec static model → ONNX graph (Gather, weights, masked mean, L2)', () => {
  let m2v: Embedder
  beforeAll(async () => {
    m2v = await loadModel2Vec(MODEL)
  })
  afterAll(() => m2v.close())

  it('matches the model2vec recipe computed by hand', async () => {
    expect(m2v.dimensions).toBe(64)
    expect(m2v.id).toMatch(/^model2vec:[0-9a-f]{16}$/)
    const vectors = await m2v.embed(TEXTS)
    for (const [i, text] of TEXTS.entries()) {
      const ref = await referenceEmbedding(text)
      expect(cosine(vectors[i]!, ref)).toBeGreaterThan(0.9999)
    }
  })

  it('embeds a batch the same as one by one (padding is masked out)', async () => {
    const batch = await m2v.embed(TEXTS)
    for (const [i, text] of TEXTS.entries()) expect(cosine(batch[i]!, (await m2v.embed([text]))[0]!)).toBeGreaterThan(0.99999)
  })

  it('ranks a paraphrase above an unrelated question', async () => {
    const [q, para, other] = await m2v.embed(['What is the capital of France?', 'what is the capital city of france', 'How do I bake bread?'])
    expect(cosine(q!, para!)).toBeGreaterThan(cosine(q!, other!))
  })

  it('the same graph saved as model.onnx loads through the static ONNX loader', async () => {
    const tensors = await readSafetensors(`${MODEL}/model.safetensors`)
    const dir = mkdtempSync(join(tmpdir(), 'sy-static-'))
    const graph = buildStaticEmbeddingGraph({
      rows: 128,
      dimensions: 64,
      vectors: Float32Array.from(tensors.get('embeddings')!.data as Float32Array),
      mapping: Int32Array.from(tensors.get('mapping')!.data as Int32Array),
      weights: Float32Array.from(tensors.get('weights')!.data as Float64Array, Number),
    })
    writeFileSync(join(dir, 'model.onnx'), graph)
    copyFileSync(`${MODEL}/tokenizer.json`, join(dir, 'tokenizer.json'))
    const loaded = await loadStaticOnnx(dir)
    const [a] = await loaded.embed([TEXTS[0]!])
    const [b] = await m2v.embed([TEXTS[0]!])
    expect(cosine(a!, b!)).toBeGreaterThan(0.99999)
    await loaded.close()
  })
})

describe('sentence-transformers ONNX loader (token states + tokenizer.json, mean or CLS pooling)', () => {
  // A stand-in "transformer" built from the same model2vec tensors: it outputs per-token states
  // (last_hidden_state), so the loader's own pooling has to reproduce the model2vec embedding.
  let dir: string
  beforeAll(async () => {
    const tensors = await readSafetensors(`${MODEL}/model.safetensors`)
    const mapping = tensors.get('mapping')!.data as Int32Array
    const weights = tensors.get('weights')!.data as Float64Array
    const emb = tensors.get('embeddings')!.data as Float32Array
    const table = new Float32Array(mapping.length * 64)
    for (let id = 0; id < mapping.length; id++) for (let d = 0; d < 64; d++) table[id * 64 + d] = emb[mapping[id]! * 64 + d]! * weights[id]!
    const model = encodeOnnxModel({
      name: 'token_states',
      opset: 13,
      inputs: [
        { name: 'input_ids', type: TensorType.INT64, dims: ['batch', 'tokens'] },
        { name: 'attention_mask', type: TensorType.INT64, dims: ['batch', 'tokens'] },
        { name: 'token_type_ids', type: TensorType.INT64, dims: ['batch', 'tokens'] },
      ],
      outputs: [{ name: 'last_hidden_state', type: TensorType.FLOAT, dims: ['batch', 'tokens', 64] }],
      initializers: [{ name: 'table', type: TensorType.FLOAT, dims: [mapping.length, 64], data: rawBytes(table) }],
      nodes: [{ op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['last_hidden_state'] }],
    })
    dir = mkdtempSync(join(tmpdir(), 'sy-st-'))
    writeFileSync(join(dir, 'model.onnx'), model)
    copyFileSync(`${MODEL}/tokenizer.json`, join(dir, 'tokenizer.json'))
  })

  it('mean pooling reproduces the model2vec embedding', async () => {
    const st = await loadTransformerOnnx(dir, { pooling: 'mean' })
    const m2v = await loadModel2Vec(MODEL)
    expect(st.id).toMatch(/^onnx:/)
    const text = 'What is the capital of France?'
    const [a] = await st.embed([text])
    const [b] = await m2v.embed([text])
    expect(cosine(a!, b!)).toBeGreaterThan(0.9999)
    await Promise.all([st.close(), m2v.close()])
  })

  it('reads CLS pooling from 1_Pooling/config.json: the first token state, normalised', async () => {
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, '1_Pooling'), { recursive: true })
    writeFileSync(join(dir, '1_Pooling/config.json'), JSON.stringify({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }))
    const st = await loadTransformerOnnx(dir)
    const m2v = await loadModel2Vec(MODEL)
    const [cls] = await st.embed(['capital of France'])
    const [first] = await m2v.embed(['capital'])
    expect(cosine(cls!, first!)).toBeGreaterThan(0.9999)
    await Promise.all([st.close(), m2v.close()])
  })
})

describe('float16 tables', () => {
  it('round-trips through half precision within its resolution', () => {
    for (const v of [0, 1, -1, 0.1234, 65504, 1e-5, -3.75]) expect(Math.abs(fromFloat16Bits(toFloat16Bits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 1e-7)
  })
})
