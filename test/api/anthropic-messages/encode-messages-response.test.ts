import { describe, expect, it } from 'vitest'
import { encodeMessagesResponse } from '../../../src/api/anthropic-messages/encode-messages-response.js'
import type { ChatCompletion } from '../../../src/providers/types.js'

const completion = (message: ChatCompletion['choices'][number]['message'], finish: ChatCompletion['choices'][number]['finish_reason'], usage?: ChatCompletion['usage']): ChatCompletion => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message, finish_reason: finish }],
  ...(usage ? { usage } : {}),
})

describe('encodeMessagesResponse', () => {
  it('encodes text, end_turn and usage', () => {
    const out = encodeMessagesResponse(completion({ role: 'assistant', content: 'Hi there' }, 'stop', { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 }))
    expect(out).toEqual({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini',
      content: [{ type: 'text', text: 'Hi there' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 3 },
    })
  })

  it('encodes tool calls as tool_use blocks with parsed input and stop_reason tool_use', () => {
    const out = encodeMessagesResponse(
      completion(
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'now', arguments: 'not json' } },
          ],
        },
        'tool_calls',
      ),
    )
    expect(out.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'now', input: {} },
    ])
    expect(out.stop_reason).toBe('tool_use')
    expect(out.usage).toEqual({ input_tokens: 0, output_tokens: 0 })
  })

  it('gives cache reads and writes back as Anthropic counts', () => {
    const out = encodeMessagesResponse(
      completion({ role: 'assistant', content: 'x' }, 'length', {
        prompt_tokens: 130,
        completion_tokens: 5,
        total_tokens: 135,
        prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 20 },
      }),
    )
    expect(out.usage).toEqual({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })
    expect(out.stop_reason).toBe('max_tokens')
  })

  it('keeps an id that already is an Anthropic message id', () => {
    expect(encodeMessagesResponse({ ...completion({ role: 'assistant', content: 'x' }, 'stop'), id: 'msg_abc' }).id).toBe('msg_abc')
  })
})
