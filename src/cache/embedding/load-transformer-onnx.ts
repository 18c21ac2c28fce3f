import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import type { Embedder } from './embedder.js'
import { createOnnxEmbedder, type Pooling } from './onnx-embedder.js'
import { loadTokenizer } from './text-tokenizer.js'

const readJson = (path: string): Promise<Record<string, unknown> | undefined> =>
  readFile(path, 'utf8').then(
    (s) => JSON.parse(s) as Record<string, unknown>,
    () => undefined,
  )

async function firstExisting(paths: string[]): Promise<string> {
  for (const p of paths) if (await stat(p).then(() => true, () => false)) return p
  throw new Error(`embedding model: none of ${paths.join(', ')} exists`)
}

/**
 * A sentence-transformers export (all-MiniLM-L6-v2, bge-small …): model.onnx (or onnx/model.onnx)
 * + tokenizer.json. Pooling comes from 1_Pooling/config.json when present (CLS or mean), else `pooling`.
 */
export async function loadTransformerOnnx(dir: string, opts: { pooling?: Pooling; maxTokens?: number; threads?: number } = {}): Promise<Embedder> {
  const modelPath = await firstExisting([`${dir}/model.onnx`, `${dir}/onnx/model.onnx`, `${dir}/onnx/model_quantized.onnx`])
  const poolingConfig = await readJson(`${dir}/1_Pooling/config.json`)
  const pooling: Pooling = poolingConfig ? (poolingConfig.pooling_mode_cls_token ? 'cls' : 'mean') : (opts.pooling ?? 'mean')
  const sbertConfig = await readJson(`${dir}/sentence_bert_config.json`)
  const maxTokens = opts.maxTokens ?? (typeof sbertConfig?.max_seq_length === 'number' ? sbertConfig.max_seq_length : 256)
  const model = await readFile(modelPath)
  const tokenizerJson = await readFile(`${dir}/tokenizer.json`)
  return createOnnxEmbedder({
    id: `onnx:${createHash('sha256').update(model).update(tokenizerJson).digest('hex').slice(0, 16)}`,
    model: modelPath,
    tokenize: await loadTokenizer(dir, { maxTokens }),
    pooling,
    threads: opts.threads,
  })
}
