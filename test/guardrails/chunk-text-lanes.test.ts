import { describe, expect, it } from 'vitest'
import { transformChunkText } from '../../src/guardrails/chunk-text-lanes.js'
import { restoreOutcome } from '../../src/guardrails/guard-response.js'
import { PiiVault } from '../../src/guardrails/pii/vault.js'
import type { Outcome } from '../../src/outcome.js'
import type { ChatCompletionChunk } from '../../src/providers/types.js'

const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'm' }
const chunk = (choices: ChatCompletionChunk['choices'], usage?: ChatCompletionChunk['usage']): ChatCompletionChunk => ({ ...base, choices, ...(usage && { usage }) })
async function* from(chunks: ChatCompletionChunk[]) {
  yield* chunks
}
async function all(it: AsyncIterable<ChatCompletionChunk>) {
  const out: ChatCompletionChunk[] = []
  for await (const c of it) out.push(c)
  return out
}

describe('text lanes of a chunk stream', () => {
  it('restores placeholders split across tool-call argument deltas, JSON-escaped, per choice', async () => {
    const vault = new PiiVault()
    vault.placeholder('PERSON', 'Ann "Q" Lee', true)
    const chunks = [
      chunk([{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'send', arguments: '{"to":"<PER' } }] }, finish_reason: null }]),
      chunk([{ index: 1, delta: { content: 'Hi <PERSON' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'SON_1>"}' } }] }, finish_reason: null }]),
      chunk([{ index: 1, delta: { content: '_1>' }, finish_reason: 'stop' }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([], { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }),
    ]
    const frozen = structuredClone(chunks)
    const outcome: Outcome = { kind: 'stream', chunks: from(chunks), provider: 'p', targetModel: 'm', attempts: 1 }
    const restored = restoreOutcome(outcome, vault)
    const out = await all(restored.kind === 'stream' ? restored.chunks : from([]))
    const args = out.flatMap((c) => c.choices.filter((ch) => ch.index === 0).flatMap((ch) => ch.delta.tool_calls?.map((t) => t.function?.arguments ?? '') ?? [])).join('')
    const content = out.flatMap((c) => c.choices.filter((ch) => ch.index === 1).map((ch) => ch.delta.content ?? '')).join('')
    expect(JSON.parse(args)).toEqual({ to: 'Ann "Q" Lee' })
    expect(content).toBe('Hi Ann "Q" Lee')
    // Each choice's text all comes before its finish_reason, and usage stays on the last chunk.
    for (const index of [0, 1]) {
      const finishAt = out.findIndex((c) => c.choices.some((ch) => ch.index === index && ch.finish_reason !== null))
      const lastText = Math.max(...out.map((c, i) => (c.choices.some((ch) => ch.index === index && (ch.delta.content || ch.delta.tool_calls)) ? i : -1)))
      expect(lastText).toBeLessThanOrEqual(finishAt)
    }
    expect(out.at(-1)!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })
    expect(chunks).toEqual(frozen)
  })

  it('flushes what is still held when a stream ends without finish_reason', async () => {
    const out = await all(
      transformChunkText(from([chunk([{ index: 0, delta: { content: 'abc' }, finish_reason: null }])]), () => {
        let held = ''
        return { push: (t) => ((held += t), ''), flush: () => held }
      }),
    )
    expect(out.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abc')
  })
})
