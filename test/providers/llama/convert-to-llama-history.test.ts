import { describe, expect, it } from 'vitest'
import { convertToLlamaHistory } from '../../../src/providers/llama/convert-to-llama-history.js'
import { UnsupportedRequest } from '../../../src/providers/llama/unsupported-request.js'

describe('convertToLlamaHistory', () => {
  it('keeps system, developer, user and assistant turns in order and opens an empty model turn for the answer', () => {
    expect(
      convertToLlamaHistory([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: [{ type: 'text', text: 'How are' }, { type: 'text', text: 'you?' }] },
      ]),
    ).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'Hi' },
      { type: 'model', response: ['Hello!'] },
      { type: 'system', text: 'Answer in French.' },
      { type: 'user', text: 'How are\nyou?' },
      { type: 'model', response: [] },
    ])
  })

  it('continues a trailing assistant message instead of opening a new turn (prefill)', () => {
    expect(
      convertToLlamaHistory([
        { role: 'user', content: 'Tell a story' },
        { role: 'assistant', content: 'Once upon a time' },
      ]),
    ).toEqual([
      { type: 'user', text: 'Tell a story' },
      { type: 'model', response: ['Once upon a time'] },
    ])
  })

  it('writes tool calls and tool results as text, naming the tool by its call id', () => {
    expect(
      convertToLlamaHistory([
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_unknown', content: [{ type: 'text', text: '12 C' }] },
      ]),
    ).toEqual([
      { type: 'user', text: 'Weather in Paris?' },
      { type: 'model', response: ['Calling tool get_weather with arguments {"city":"Paris"}'] },
      { type: 'user', text: 'Tool get_weather returned: sunny' },
      { type: 'user', text: 'Tool call call_unknown returned: 12 C' },
      { type: 'model', response: [] },
    ])
  })

  it('refuses image parts, naming the part, since the model reads text only', () => {
    const convert = () =>
      convertToLlamaHistory([
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      ])
    expect(convert).toThrow(UnsupportedRequest)
    expect(convert).toThrow(expect.objectContaining({ param: 'messages[0].content[1]' }))
  })
})
