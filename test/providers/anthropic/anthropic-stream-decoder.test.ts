import { describe, expect, it } from 'vitest'
import { AnthropicStreamDecoder } from '../../../src/providers/anthropic/anthropic-stream-decoder.js'
import type { ChatCompletionChunk } from '../../../src/providers/types.js'
import { UpstreamError } from '../../../src/providers/upstream-error.js'

const start = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 },
  },
}
const textStart = (index: number) => ({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
const text = (index: number, t: string) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } })
const toolStart = (index: number, id: string, name: string) => ({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } })
const json = (index: number, partial: string) => ({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } })
const stop = (index: number) => ({ type: 'content_block_stop', index })
const delta = (reason: string, output: number) => ({ type: 'message_delta', delta: { stop_reason: reason, stop_sequence: null }, usage: { output_tokens: output } })
const end = { type: 'message_stop' }
const ping = { type: 'ping' }

function decode(events: unknown[], opts: { jsonTool?: string } = {}): ChatCompletionChunk[] {
  const d = new AnthropicStreamDecoder('claude', { created: 1, model: 'requested', ...opts })
  const out = events.flatMap((e) => d.push(JSON.stringify(e)))
  d.end()
  return out
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta)

describe('AnthropicStreamDecoder', () => {
  it('turns a text stream into role, content, finish and usage chunks', () => {
    const chunks = decode([start, textStart(0), ping, text(0, 'Hello'), text(0, ' world'), stop(0), delta('end_turn', 7), end])
    expect(chunks.every((c) => c.id === 'msg_1' && c.model === 'claude-x' && c.object === 'chat.completion.chunk')).toBe(true)
    expect(deltas(chunks)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello' }, { content: ' world' }, {}, undefined])
    expect(chunks[3]!.choices[0]!.finish_reason).toBe('stop')
    expect(chunks[4]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 16, completion_tokens: 7, total_tokens: 23, prompt_tokens_details: { cached_tokens: 4 } },
    })
  })

  it('numbers several tool calls in one stream on their own, after text', () => {
    const chunks = decode([
      start,
      textStart(0),
      text(0, 'Checking.'),
      stop(0),
      toolStart(1, 'toolu_A', 'weather'),
      json(1, ''),
      json(1, '{"city":'),
      json(1, '"Paris"}'),
      stop(1),
      toolStart(2, 'toolu_B', 'time'),
      json(2, '{}'),
      stop(2),
      delta('tool_use', 30),
      end,
    ])
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Checking.' },
      { tool_calls: [{ index: 0, id: 'toolu_A', type: 'function', function: { name: 'weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_B', type: 'function', function: { name: 'time', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
      undefined,
    ])
    expect(chunks[7]!.choices[0]!.finish_reason).toBe('tool_calls')
  })

  it('streams the response_format tool input as text and finishes with stop', () => {
    const chunks = decode([start, toolStart(0, 'toolu_A', 'out'), json(0, '{"n":'), json(0, '42}'), stop(0), delta('tool_use', 5), end], { jsonTool: 'out' })
    expect(deltas(chunks).slice(1, 4)).toEqual([{ content: '{"n":' }, { content: '42}' }, {}])
    expect(chunks[3]!.choices[0]!.finish_reason).toBe('stop')
  })

  it('throws an UpstreamError for an error event, with the type as code', () => {
    const d = new AnthropicStreamDecoder('claude', { created: 1, model: 'm' })
    d.push(JSON.stringify(start))
    expect(() => d.push(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }))).toThrow(
      expect.objectContaining({ status: 529, code: 'overloaded_error' }),
    )
  })

  it('treats a stream that ends before message_stop as cut', () => {
    const d = new AnthropicStreamDecoder('claude', { created: 1, model: 'm' })
    for (const e of [start, textStart(0), text(0, 'Hel')]) d.push(JSON.stringify(e))
    expect(() => d.end()).toThrow(UpstreamError)
    expect(() => d.end()).toThrow(expect.objectContaining({ kind: 'protocol', status: 502 }))
  })

  it('rejects an event whose data is not JSON', () => {
    const d = new AnthropicStreamDecoder('claude', { created: 1, model: 'm' })
    expect(() => d.push('{"type": not json')).toThrow(expect.objectContaining({ kind: 'protocol' }))
  })

  it('maps max_tokens to length and ignores unknown event and delta types', () => {
    const chunks = decode([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 's' } },
      stop(0),
      { type: 'some_new_event' },
      textStart(1),
      text(1, 'x'),
      stop(1),
      delta('max_tokens', 2),
      end,
    ])
    expect(deltas(chunks)).toEqual([{ role: 'assistant', content: '' }, { content: 'x' }, {}, undefined])
    expect(chunks[2]!.choices[0]!.finish_reason).toBe('length')
  })
})
