import { describe, expect, it } from 'vitest'
import { buildAnthropicRequest } from '../../../src/providers/anthropic/build-anthropic-request.js'
import { UnsupportedFeatureError } from '../../../src/providers/anthropic/unsupported-feature-error.js'
import type { ChatRequest } from '../../../src/providers/types.js'

const opts = { defaultMaxTokens: 4096, stream: false }

describe('buildAnthropicRequest', () => {
  it('builds a minimal request with the upstream model and the default max_tokens', () => {
    const { body } = buildAnthropicRequest({ model: 'claude-haiku', messages: [{ role: 'user', content: 'Hi' }] }, 'claude-3-5-haiku-latest', opts)
    expect(body).toEqual({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    })
  })

  it('maps sampling, stop, user, max_completion_tokens and stream', () => {
    const req: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 100,
      max_completion_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      stop: 'END',
      user: 'user-123',
    }
    const { body } = buildAnthropicRequest(req, 'claude', { defaultMaxTokens: 4096, stream: true })
    expect(body).toMatchObject({
      system: [{ type: 'text', text: 'sys' }],
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-123' },
      stream: true,
    })
  })

  it('uses max_tokens when max_completion_tokens is absent, and keeps several stop sequences', () => {
    const { body } = buildAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 77, stop: ['a', 'b'] }, 'c', opts)
    expect(body.max_tokens).toBe(77)
    expect(body.stop_sequences).toEqual(['a', 'b'])
  })

  it('clamps temperature to Anthropic range and warns about parameters it lacks', () => {
    const call = buildAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], temperature: 1.5, seed: 7, presence_penalty: 0.5 }, 'c', opts)
    expect(call.body.temperature).toBe(1)
    expect(call.warnings).toHaveLength(3)
    expect(call.warnings.join(' ')).toMatch(/seed/)
  })

  it('rejects n > 1', () => {
    expect(() => buildAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], n: 2 }, 'c', opts)).toThrow(UnsupportedFeatureError)
  })

  it('carries tools and tool_choice', () => {
    const { body, jsonTool } = buildAnthropicRequest(
      {
        model: 'm',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
        tool_choice: 'required',
      },
      'c',
      opts,
    )
    expect(body.tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {} } }])
    expect(body.tool_choice).toEqual({ type: 'any' })
    expect(jsonTool).toBeUndefined()
  })

  it('replaces tools with a forced answer tool for json_schema', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } }
    const call = buildAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_schema', json_schema: { name: 'out', schema } } },
      'c',
      opts,
    )
    expect(call.jsonTool).toBe('out')
    expect(call.body.tools).toEqual([expect.objectContaining({ name: 'out', input_schema: schema })])
    expect(call.body.tool_choice).toEqual({ type: 'tool', name: 'out' })
  })

  it('adds the JSON instruction after the system prompt for json_object', () => {
    const call = buildAnthropicRequest(
      { model: 'm', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'Hi' }], response_format: { type: 'json_object' } },
      'c',
      opts,
    )
    expect(call.body.system).toHaveLength(2)
    expect(call.body.system![0]).toEqual({ type: 'text', text: 'sys' })
    expect(call.body.system![1]!.text).toMatch(/JSON/)
    expect(call.body.tools).toBeUndefined()
  })

  it('never modifies the request it was given', () => {
    const req: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }
    const before = structuredClone(req)
    buildAnthropicRequest(req, 'c', opts)
    expect(req).toEqual(before)
  })
})
