import { describe, expect, it } from 'vitest'
import { decodeMessagesRequest } from '../../../src/api/anthropic-messages/decode-messages-request.js'
import { GatewayError } from '../../../src/errors.js'

const minimal = { model: 'claude-haiku', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }

function decodeError(body: unknown): GatewayError {
  try {
    decodeMessagesRequest(body)
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('expected a GatewayError')
}

describe('decodeMessagesRequest', () => {
  it('decodes a minimal request, max_tokens as max_completion_tokens', () => {
    expect(decodeMessagesRequest(minimal)).toEqual({ model: 'claude-haiku', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 100 })
  })

  it('maps system, sampling, stop sequences, user and stream (with usage always requested)', () => {
    const req = decodeMessagesRequest({
      ...minimal,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      temperature: 0.2,
      top_p: 0.8,
      top_k: 5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      stream: true,
    })
    expect(req).toEqual({
      model: 'claude-haiku',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 100,
      temperature: 0.2,
      top_p: 0.8,
      stop: ['END'],
      user: 'u-1',
      stream: true,
      stream_options: { include_usage: true },
    })
  })

  it('turns images into image_url parts (base64 as data: URL)', () => {
    const req = decodeMessagesRequest({
      ...minimal,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'text', text: 'Describe.' },
          ],
        },
      ],
    })
    expect(req.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'text', text: 'Describe.' },
        ],
      },
    ])
  })

  it('turns tool_use into tool_calls and tool_result into tool messages, ids kept, tools before the user text', () => {
    const req = decodeMessagesRequest({
      ...minimal,
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'two calls', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_A', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_B', name: 'weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_A', content: '18C' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_B',
              content: [
                { type: 'text', text: '24C' },
                { type: 'image', source: { type: 'url', url: 'https://example.com/rome.png' } },
              ],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    })
    expect(req.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_A', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_B', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_A', content: '18C' },
      { role: 'tool', tool_call_id: 'toolu_B', content: [{ type: 'text', text: '24C' }] },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/rome.png' } },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ])
  })

  it('maps tools and every tool_choice', () => {
    const tools = [{ name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]
    const req = decodeMessagesRequest({ ...minimal, tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } })
    expect(req.tools).toEqual([
      { type: 'function', function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ])
    expect(req.tool_choice).toBe('required')
    expect(req.parallel_tool_calls).toBe(false)
    expect(decodeMessagesRequest({ ...minimal, tools, tool_choice: { type: 'auto' } }).tool_choice).toBe('auto')
    expect(decodeMessagesRequest({ ...minimal, tools, tool_choice: { type: 'none' } }).tool_choice).toBe('none')
    expect(decodeMessagesRequest({ ...minimal, tools, tool_choice: { type: 'tool', name: 'weather' } }).tool_choice).toEqual({
      type: 'function',
      function: { name: 'weather' },
    })
  })

  it('maps output_config.format to response_format json_schema', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } }
    const req = decodeMessagesRequest({ ...minimal, output_config: { format: { type: 'json_schema', schema } } })
    expect(req.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema, strict: true } })
  })

  it('does not forward fields without a canonical form (an OpenAI upstream would reject them)', () => {
    const req = decodeMessagesRequest({ ...minimal, top_k: 3, thinking: { type: 'enabled', budget_tokens: 1024 }, service_tier: 'auto' })
    expect(Object.keys(req).sort()).toEqual(['max_completion_tokens', 'messages', 'model'])
  })

  it.each([
    [{ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, 'max_tokens'],
    [{ ...minimal, messages: [] }, 'messages'],
    [{ ...minimal, messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role'],
    [{ ...minimal, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'messages.0.content.0'],
    [{ ...minimal, temperature: 1.5 }, 'temperature'],
    [{ ...minimal, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools.0.type'],
    [{ ...minimal, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'x', name: 'f', input: {} }] }] }, 'messages.0.content.0.type'],
  ])('rejects %j with a 400 naming %s', (body, param) => {
    const err = decodeError(body)
    expect(err.status).toBe(400)
    expect(err.type).toBe('invalid_request_error')
    expect(err.param).toMatch(new RegExp(`^${param.replaceAll('.', '\\.')}`))
    expect(err.message.startsWith(err.param!)).toBe(true)
  })
})
