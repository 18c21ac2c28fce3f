import { describe, expect, it } from 'vitest'
import type { AnthropicResponse } from '../../../src/providers/anthropic/anthropic-api.js'
import { convertAnthropicResponse } from '../../../src/providers/anthropic/convert-anthropic-response.js'

const base: AnthropicResponse = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-3-5-haiku-20241022',
  content: [],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
}

describe('convertAnthropicResponse', () => {
  it('turns text blocks into the message content', () => {
    const out = convertAnthropicResponse({ ...base, content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }] }, { created: 1700000000 })
    expect(out).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-3-5-haiku-20241022',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    })
  })

  it('turns tool_use blocks into tool_calls with their ids, finish_reason tool_calls', () => {
    const out = convertAnthropicResponse(
      {
        ...base,
        stop_reason: 'tool_use',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_A', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_B', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      { created: 1 },
    )
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'toolu_A', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_B', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    })
  })

  it('hands the response_format tool input back as text with finish_reason stop', () => {
    const out = convertAnthropicResponse(
      { ...base, stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'toolu_A', name: 'out', input: { n: 42 } }] },
      { created: 1, jsonTool: 'out' },
    )
    expect(out.choices[0]!.message).toEqual({ role: 'assistant', content: '{"n":42}' })
    expect(out.choices[0]!.finish_reason).toBe('stop')
  })

  it('counts cache reads and writes into prompt_tokens and reports reads as cached_tokens', () => {
    const out = convertAnthropicResponse(
      { ...base, content: [{ type: 'text', text: 'x' }], usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } },
      { created: 1 },
    )
    expect(out.usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 20 },
    })
  })

  it('maps max_tokens to length and refusal to content_filter', () => {
    expect(convertAnthropicResponse({ ...base, stop_reason: 'max_tokens' }, { created: 1 }).choices[0]!.finish_reason).toBe('length')
    expect(convertAnthropicResponse({ ...base, stop_reason: 'refusal' }, { created: 1 }).choices[0]!.finish_reason).toBe('content_filter')
  })
})
