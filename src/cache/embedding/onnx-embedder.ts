import type * as Ort from 'onnxruntime-node'
import type { Embedder } from './embedder.js'
import type { TextTokenizer } from './text-tokenizer.js'

export type Pooling = 'mean' | 'cls'

export type OnnxEmbedderOptions = {
  id: string
  /** The ONNX model: a file path or the serialised bytes (graphs built in memory). */
  model: string | Uint8Array
  tokenize: TextTokenizer
  /** How token states become one vector when the graph has no pooled `sentence_embedding` output. */
  pooling: Pooling
  threads?: number
}

/**
 * Runs an embedding graph with onnxruntime-node. Works for graphs with a pooled `sentence_embedding`
 * output (static models built here, some sentence-transformers exports) and for transformer exports
 * whose first output is the token states (`last_hidden_state`), pooled here by mean or CLS.
 */
export async function createOnnxEmbedder(opts: OnnxEmbedderOptions): Promise<Embedder> {
  // Imported here, not at the top: the runtime costs memory that a gateway with the cache off should not pay.
  // Under tsx the CommonJS package comes as a namespace without `default`; under vitest with one.
  const imported = (await import('onnxruntime-node')) as typeof Ort & { default?: typeof Ort }
  const ort = imported.default ?? imported
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  }
  const session = typeof opts.model === 'string' ? await ort.InferenceSession.create(opts.model, sessionOptions) : await ort.InferenceSession.create(opts.model, sessionOptions)
  const pooledOutput = session.outputNames.includes('sentence_embedding') ? 'sentence_embedding' : undefined
  const outputName = pooledOutput ?? session.outputNames[0]!
  const wantsTokenTypes = session.inputNames.includes('token_type_ids')

  async function embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return []
    const encoded = texts.map((t) => opts.tokenize(t))
    const width = Math.max(1, ...encoded.map((ids) => ids.length))
    const ids = new BigInt64Array(texts.length * width)
    const mask = new BigInt64Array(texts.length * width)
    encoded.forEach((row, b) => {
      row.forEach((id, t) => {
        ids[b * width + t] = BigInt(id)
        mask[b * width + t] = 1n
      })
    })
    const dims = [texts.length, width]
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
    }
    if (wantsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims)
    const result = await session.run(feeds, [outputName])
    const output = result[outputName]!
    const data = output.data as Float32Array
    const vectors = pooledOutput ? splitRows(data, texts.length) : poolTokens(data, output.dims as number[], encoded, opts.pooling)
    return vectors.map(normalize)
  }

  return {
    id: opts.id,
    dimensions: (await embed(['dimension probe']))[0]!.length,
    embed,
    close: () => session.release(),
  }
}

function splitRows(data: Float32Array, rows: number): Float32Array[] {
  const width = data.length / rows
  return Array.from({ length: rows }, (_, r) => data.slice(r * width, (r + 1) * width))
}

function poolTokens(data: Float32Array, dims: number[], encoded: number[][], pooling: Pooling): Float32Array[] {
  const [, width, hidden] = dims as [number, number, number]
  return encoded.map((row, b) => {
    const out = new Float32Array(hidden)
    const base = b * width * hidden
    if (pooling === 'cls') {
      out.set(data.subarray(base, base + hidden))
      return out
    }
    for (let t = 0; t < row.length; t++) {
      const offset = base + t * hidden
      for (let h = 0; h < hidden; h++) out[h]! += data[offset + h]!
    }
    for (let h = 0; h < hidden; h++) out[h]! /= Math.max(1, row.length)
    return out
  })
}

function normalize(v: Float32Array): Float32Array {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!
  const norm = Math.sqrt(sum) || 1
  for (let i = 0; i < v.length; i++) v[i]! /= norm
  return v
}
