import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Embedder } from './embedder.js'
import { findUnkId } from './load-model2vec.js'
import { createOnnxEmbedder } from './onnx-embedder.js'
import { loadTokenizer } from './text-tokenizer.js'

/** A static embedding graph already compiled to ONNX (model.onnx with a `sentence_embedding` output + tokenizer.json), e.g. the built default model. */
export async function loadStaticOnnx(dir: string, opts: { threads?: number; idPrefix?: string } = {}): Promise<Embedder> {
  const model = await readFile(`${dir}/model.onnx`)
  const tokenizerJson = await readFile(`${dir}/tokenizer.json`)
  const unkId = findUnkId(JSON.parse(tokenizerJson.toString('utf8')))
  return createOnnxEmbedder({
    id: `${opts.idPrefix ?? 'static'}:${createHash('sha256').update(model).update(tokenizerJson).digest('hex').slice(0, 16)}`,
    model: new Uint8Array(model.buffer, model.byteOffset, model.byteLength),
    tokenize: await loadTokenizer(dir, { dropIds: unkId === undefined ? [] : [unkId], addSpecialTokens: false }),
    pooling: 'mean',
    threads: opts.threads,
  })
}
