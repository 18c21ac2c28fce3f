import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providerConfigSchema } from '../../../src/config/schema.js'
import { createLlama, type LlamaProvider, type LlamaProviderConfig } from '../../../src/providers/llama/index.js'
import type { ChatCompletionChunk, ChatRequest, EmbeddingsResponse } from '../../../src/providers/types.js'
import { UpstreamError } from '../../../src/providers/upstream-error.js'

const modelPath = fileURLToPath(new URL('../../../../shared/data/models/stories260K.gguf', import.meta.url))

function llamaConfig(extra: Partial<LlamaProviderConfig> = {}): LlamaProviderConfig {
  return providerConfigSchema.parse({ name: 'local', type: 'llama', model_path: modelPath, threads: 1, context_size: 512, parallel: 1, default_max_tokens: 16, ...extra }) as LlamaProviderConfig
}

const story = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'local', messages: [{ role: 'user', content: 'Once upon a time' }], temperature: 0, ...extra })
const call = (signal: AbortSignal = new AbortController().signal) => ({ signal })

async function collect(chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = []
  for await (const c of chunks) out.push(c)
  return out
}
const contentOf = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')

let llama: LlamaProvider
beforeAll(() => {
  llama = createLlama(llamaConfig())
})
afterAll(() => llama.close())

describe('llama provider on stories260K', () => {
  it('loads in the background, then answers JSON with the text, usage and finish reason', async () => {
    expect(llama.state()).toBe('loading')
    const res = await llama.chat(story({ max_tokens: 30 }), 'default', call())
    expect(llama.state()).toBe('ready')
    expect(res).toMatchObject({ object: 'chat.completion', model: 'default', choices: [{ index: 0, message: { role: 'assistant' } }] })
    expect(res.id).toMatch(/^chatcmpl-/)
    expect(typeof res.choices[0]!.message.content).toBe('string')
    expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0)
    expect(['stop', 'length']).toContain(res.choices[0]!.finish_reason)
    const u = res.usage!
    expect(u.prompt_tokens).toBeGreaterThan(0)
    expect(u.completion_tokens).toBeGreaterThan(0)
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens)
  })

  it('stops at max_tokens with finish_reason length, and uses default_max_tokens when none is sent', async () => {
    const res = await llama.chat(story({ max_tokens: 5 }), 'default', call())
    expect(res.usage!.completion_tokens).toBe(5)
    expect(res.choices[0]!.finish_reason).toBe('length')
    const byDefault = await llama.chat(story(), 'default', call())
    expect(byDefault.usage!.completion_tokens).toBe(16)
  })

  it('streams the answer token by token: role chunk, several content chunks, finish, then usage', async () => {
    const chunks = await collect(await llama.stream(story({ max_tokens: 20, stream: true }), 'default', call()))
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' })
    const content = chunks.filter((c) => c.choices[0]?.delta.content)
    expect(content.length).toBeGreaterThan(5)
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1)
    const finish = chunks.at(-2)!
    expect(finish.choices[0]!.finish_reason).toBe('length')
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage).toMatchObject({ completion_tokens: 20 })
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0)
    // Greedy decoding: the streamed text is exactly the JSON answer to the same request.
    const json = await llama.chat(story({ max_tokens: 20 }), 'default', call())
    expect(contentOf(chunks)).toBe(json.choices[0]!.message.content)
  })

  it('ends the answer before a stop sequence, with finish_reason stop', async () => {
    const full = (await llama.chat(story({ max_tokens: 30 }), 'default', call())).choices[0]!.message.content!
    const stop = full.slice(12, 17)
    const res = await llama.chat(story({ max_tokens: 30, stop: [stop] }), 'default', call())
    expect(res.choices[0]!.message.content).toBe(full.slice(0, full.indexOf(stop)))
    expect(res.choices[0]!.finish_reason).toBe('stop')
  })

  it('enforces response_format json_object with a grammar', async () => {
    const res = await llama.chat(story({ max_tokens: 12, response_format: { type: 'json_object' } }), 'default', call())
    expect(res.choices[0]!.message.content!.trimStart().startsWith('{')).toBe(true)
  })

  it('stops generating when the caller aborts, frees the sequence, and the next request is served', async () => {
    const client = new AbortController()
    const it = (await llama.stream(story({ max_tokens: 400, temperature: 0.8, seed: 1 }), 'default', call(client.signal)))[Symbol.asyncIterator]()
    let content = 0
    while (content < 3) if ((await it.next()).value?.choices[0]?.delta.content) content++
    client.abort(new Error('client went away'))
    await expect(it.next()).rejects.toThrow('client went away')
    expect(llama.queue()).toEqual({ active: 0, waiting: 0 })
    const next = await llama.chat(story({ max_tokens: 4 }), 'default', call())
    expect(next.usage!.completion_tokens).toBe(4)
  })

  it('stops generating when the consumer closes the stream early', async () => {
    const it = (await llama.stream(story({ max_tokens: 400, temperature: 0.8, seed: 2 }), 'default', call()))[Symbol.asyncIterator]()
    await it.next()
    await it.next()
    await it.return!()
    expect(llama.queue()).toEqual({ active: 0, waiting: 0 })
  })

  it('with parallel 1 serves concurrent requests one after another, in arrival order', async () => {
    const order: string[] = []
    const ask = (label: string) => llama.chat(story({ max_tokens: 8 }), 'default', call()).then(() => order.push(label))
    const all = Promise.all([ask('a'), ask('b'), ask('c')])
    await new Promise((r) => setImmediate(r))
    expect(llama.queue()).toEqual({ active: 1, waiting: 2 })
    await all
    expect(order).toEqual(['a', 'b', 'c'])
  })

  it('refuses a prompt that does not fit the context with context_length_exceeded', async () => {
    const long = story({ messages: [{ role: 'user', content: 'the little dog ran to the park '.repeat(120) }] })
    const err = await llama.chat(long, 'default', call()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded', retryable: false, param: 'messages' })
  })

  it('refuses tools with a non-retryable 400 naming the field', async () => {
    const err = await llama.chat(story({ tools: [{ type: 'function', function: { name: 'f' } }] }), 'default', call()).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'tools', retryable: false })
  })

  it('embeds texts and token arrays: normalized 64-dimensional vectors, as floats or base64', async () => {
    const res = await llama.embeddings({ model: 'local', input: ['a little bird', 'a big red ball'] }, 'default', call())
    expect(res.data.map((d) => d.index)).toEqual([0, 1])
    const v = res.data[0]!.embedding as number[]
    expect(v).toHaveLength(64)
    expect(Math.hypot(...v)).toBeCloseTo(1, 5)
    expect(res.usage.prompt_tokens).toBeGreaterThan(0)
    const b64: EmbeddingsResponse = await llama.embeddings({ model: 'local', input: 'a little bird', encoding_format: 'base64' }, 'default', call())
    const bytes = Buffer.from(b64.data[0]!.embedding as string, 'base64')
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))
    expect(decoded).toHaveLength(64)
    expect(decoded[0]).toBeCloseTo(v[0]!, 5)
    const tokens = await llama.embeddings({ model: 'local', input: [1, 400, 401] }, 'default', call())
    expect(tokens.data).toHaveLength(1)
    expect(tokens.usage.prompt_tokens).toBe(3)
  })

  it('lists its one model', async () => {
    expect(await llama.listModels(call())).toEqual(['default'])
  })
})

describe('llama provider queue limits and lifecycle', () => {
  it('answers 429 model_busy beyond max_queue, and a waiting request whose caller leaves is dropped at once', async () => {
    const busy = createLlama(llamaConfig({ name: 'busy', max_queue: 1 }))
    try {
      const running = busy.chat(story({ max_tokens: 200 }), 'default', call())
      const leaver = new AbortController()
      const waiting = busy.chat(story({ max_tokens: 4 }), 'default', call(leaver.signal))
      const refused = await busy.chat(story({ max_tokens: 4 }), 'default', call()).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(UpstreamError)
      expect(refused).toMatchObject({ status: 429, code: 'model_busy', retryable: true })
      expect(busy.queue()).toEqual({ active: 1, waiting: 1 })
      leaver.abort(new Error('left the queue'))
      await expect(waiting).rejects.toThrow('left the queue')
      expect(busy.queue()).toEqual({ active: 1, waiting: 0 })
      await running
    } finally {
      await busy.close()
    }
  })

  it('reports a missing model file as model_missing, refuses requests with a 503, and serves once the file appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-llama-'))
    const later = join(dir, 'model.gguf')
    const missing = createLlama(llamaConfig({ name: 'ghost', model_path: later }))
    try {
      const err = await missing.chat(story(), 'default', call()).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UpstreamError)
      expect(err).toMatchObject({ status: 503, code: 'model_unavailable', provider: 'ghost' })
      expect((err as Error).message).toContain('model file was not found')
      expect((err as Error).message).not.toContain(dir)
      expect(missing.state()).toBe('model_missing')
      await expect(missing.stream(story(), 'default', call())).rejects.toMatchObject({ status: 503 })
      symlinkSync(modelPath, later)
      const res = await missing.chat(story({ max_tokens: 3 }), 'default', call())
      expect(res.usage!.completion_tokens).toBe(3)
      expect(missing.state()).toBe('ready')
    } finally {
      await missing.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('close() stops a running generation and refuses later requests', async () => {
    const closing = createLlama(llamaConfig({ name: 'closing' }))
    const it = (await closing.stream(story({ max_tokens: 400, temperature: 0.8 }), 'default', call()))[Symbol.asyncIterator]()
    await it.next()
    await closing.close()
    await expect(collectRest(it)).rejects.toMatchObject({ status: 503, code: 'model_unavailable' })
    await expect(closing.chat(story(), 'default', call())).rejects.toMatchObject({ status: 503 })
  })
})

async function collectRest(it: AsyncIterator<ChatCompletionChunk>): Promise<void> {
  for (;;) if ((await it.next()).done) return
}
