import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { EmbeddingConfig } from '../config.js'
import { defaultModelDir, ensureDefaultModel } from './default-model.js'
import type { Embedder } from './embedder.js'
import { loadModel2Vec } from './load-model2vec.js'
import { loadStaticOnnx } from './load-static-onnx.js'
import { loadTransformerOnnx } from './load-transformer-onnx.js'

/** Identity of an embedding config, so models that name the same embedder share one instance. */
export const embeddingSpecKey = (spec: EmbeddingConfig): string => `${spec.kind}|${spec.path ?? ''}|${spec.pooling ?? ''}|${spec.threads}`

export async function loadEmbedder(spec: EmbeddingConfig): Promise<Embedder> {
  const threads = spec.threads
  switch (spec.kind) {
    case 'default':
      return loadStaticOnnx(await ensureDefaultModel(spec.path ? resolve(spec.path) : defaultModelDir()), { idPrefix: 'default', threads })
    case 'static': {
      if (!spec.path) throw new Error('cache.semantic.embedding.path is required for kind static')
      const dir = resolve(spec.path)
      const isModel2Vec = await stat(`${dir}/model.safetensors`).then(() => true, () => false)
      return isModel2Vec ? loadModel2Vec(dir, { threads }) : loadStaticOnnx(dir, { threads })
    }
    case 'onnx':
      if (!spec.path) throw new Error('cache.semantic.embedding.path is required for kind onnx')
      return loadTransformerOnnx(resolve(spec.path), { pooling: spec.pooling, threads })
  }
}
