import { describe, expect, it } from 'vitest'
import { convertToAnthropicMessages } from '../../../src/providers/anthropic/convert-to-anthropic-messages.js'
import { UnsupportedFeatureError } from '../../../src/providers/anthropic/unsupported-feature-error.js'

describe('convertToAnthropicMessages', () => {
  it('moves system and developer messages into top-level system blocks', () => {
    const out = convertToAnthropicMessages([
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
      { role: 'user', content: 'Hi' },
    ])
    expect(out.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Use metric units.' },
    ])
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }])
    expect(out.warnings).toEqual([])
  })

  it('warns when a system message arrives mid-conversation, and still keeps it', () => {
    const out = convertToAnthropicMessages([
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'Now answer in French.' },
    ])
    expect(out.system).toEqual([{ type: 'text', text: 'Now answer in French.' }])
    expect(out.warnings).toHaveLength(1)
    expect(out.warnings[0]).toContain('messages[1]')
  })

  it('keeps multi-turn order and merges consecutive turns of one role', () => {
    const out = convertToAnthropicMessages([
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'three' },
      { role: 'assistant', content: [{ type: 'text', text: 'four' }] },
      { role: 'user', content: 'five' },
    ])
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'three' }, { type: 'text', text: 'four' }] },
      { role: 'user', content: [{ type: 'text', text: 'five' }] },
    ])
  })

  it('turns data: URLs into base64 sources and http URLs into url sources', () => {
    const out = convertToAnthropicMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ],
      },
    ])
    expect(out.messages[0]!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ])
  })

  it('rejects images that are neither http(s) nor base64 data URLs, naming the field', () => {
    const run = () =>
      convertToAnthropicMessages([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }])
    expect(run).toThrow(UnsupportedFeatureError)
    expect(run).toThrow(expect.objectContaining({ param: 'messages[0].content[0].image_url.url' }))
  })

  it('rejects content parts Anthropic cannot take', () => {
    const run = () => convertToAnthropicMessages([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }])
    expect(run).toThrow(expect.objectContaining({ param: 'messages[0].content[0].type' }))
  })

  it('turns assistant tool calls into tool_use and tool messages into tool_result, ids kept', () => {
    const out = convertToAnthropicMessages([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
      { role: 'user', content: 'Thanks, and tomorrow?' },
    ])
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
          { type: 'text', text: 'Thanks, and tomorrow?' },
        ],
      },
    ])
  })

  it('puts tool results first when a user message came before them', () => {
    const out = convertToAnthropicMessages([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }] },
      { role: 'user', content: 'also this' },
      { role: 'tool', tool_call_id: 't1', content: '' },
    ])
    expect(out.messages[1]!.content).toEqual([{ type: 'tool_use', id: 't1', name: 'f', input: {} }])
    expect(out.messages[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 't1' },
      { type: 'text', text: 'also this' },
    ])
  })

  it('rejects tool call arguments that are not a JSON object', () => {
    const run = () =>
      convertToAnthropicMessages([
        { role: 'user', content: 'go' },
        { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] },
      ])
    expect(run).toThrow(expect.objectContaining({ param: 'messages[1].tool_calls[0].function.arguments' }))
  })

  it('drops empty messages with a warning, since Anthropic rejects empty text', () => {
    const out = convertToAnthropicMessages([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'Hello?' },
    ])
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Hello?' }] }])
    expect(out.warnings).toEqual(['messages[1]: empty assistant message was dropped'])
  })

  it('needs at least one conversation message', () => {
    expect(() => convertToAnthropicMessages([{ role: 'system', content: 'x' }])).toThrow(UnsupportedFeatureError)
  })
})
