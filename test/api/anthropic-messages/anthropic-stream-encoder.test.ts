import { describe, expect, it } from 'vitest'
import { AnthropicStreamEncoder, encodeAnthropicStream } from '../../../src/api/anthropic-messages/anthropic-stream-encoder.js'
import type { ChatCompletionChunk } from '../../../src/providers/types.js'

const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk => ({
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, finish_reason: finish }],
})
const usageChunk = (prompt: number, completion: number): ChatCompletionChunk => ({
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
})

/** Parses SSE text back into [event name, data] pairs, checking the name matches the data type. */
function events(sse: string): Array<Record<string, unknown>> {
  return sse
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n')
      const data = JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>
      expect(eventLine).toBe(`event: ${String(data.type)}`)
      return data
    })
}

async function encodeAll(chunks: ChatCompletionChunk[]): Promise<Array<Record<string, unknown>>> {
  async function* source() {
    yield* chunks
  }
  let out = ''
  for await (const frames of encodeAnthropicStream(source(), 'claude-haiku')) out += frames
  return events(out)
}

describe('AnthropicStreamEncoder', () => {
  it('writes the full event sequence for a text answer', async () => {
    const evs = await encodeAll([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usageChunk(10, 2)])
    expect(evs.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(evs[0]).toMatchObject({ message: { id: 'msg_chatcmpl-9', type: 'message', role: 'assistant', model: 'gpt-4o-mini', content: [], stop_reason: null } })
    expect(evs[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
    expect(evs[2]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } })
    expect(evs[5]).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 10, output_tokens: 2 } })
  })

  it('gives text and each of several tool calls their own block, in order', async () => {
    const evs = await encodeAll([
      chunk({ role: 'assistant', content: 'Checking.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_A', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_B', type: 'function', function: { name: 'now', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ])
    expect(evs.slice(1, -2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_A', name: 'weather', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_B', name: 'now', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 2 },
    ])
    expect(evs.at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use' } })
  })

  it('closes the message properly when the upstream ended without a finish reason', async () => {
    const evs = await encodeAll([chunk({ role: 'assistant', content: 'partial' })])
    expect(evs.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
    expect(evs.at(-2)).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 0, output_tokens: 0 } })
  })

  it('still writes a whole (empty) message for a stream with no chunks', async () => {
    const evs = await encodeAll([])
    expect(evs.map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop'])
    expect(evs[0]).toMatchObject({ message: { model: 'claude-haiku' } })
  })

  it('maps length and content_filter finishes', async () => {
    expect((await encodeAll([chunk({ content: 'x' }, 'length')])).at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' } })
    expect((await encodeAll([chunk({ content: 'x' }, 'content_filter')])).at(-2)).toMatchObject({ delta: { stop_reason: 'refusal' } })
  })

  it('ends only once and ignores chunks after the end', () => {
    const enc = new AnthropicStreamEncoder('m')
    expect(enc.end()).toContain('message_stop')
    expect(enc.end()).toBe('')
    expect(enc.push(chunk({ content: 'late' }))).toBe('')
  })

  it('lets an upstream error through without closing frames, so the caller can end with an error event', async () => {
    async function* failing() {
      yield chunk({ content: 'Hel' })
      throw new Error('cut')
    }
    let out = ''
    await expect(
      (async () => {
        for await (const frames of encodeAnthropicStream(failing(), 'm')) out += frames
      })(),
    ).rejects.toThrow('cut')
    expect(out).not.toContain('message_stop')
  })
})
