import { describe, expect, it } from 'vitest'
import { prepareAnthropicTools } from '../../../src/providers/anthropic/prepare-anthropic-tools.js'
import type { ToolDefinition } from '../../../src/providers/types.js'

const weather: ToolDefinition = {
  type: 'function',
  function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
}
const noParams: ToolDefinition = { type: 'function', function: { name: 'now' } }

describe('prepareAnthropicTools', () => {
  it('maps function definitions to name, description and input_schema', () => {
    expect(prepareAnthropicTools([weather, noParams], undefined, undefined)).toEqual({
      tools: [
        { name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ],
    })
  })

  it.each([
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    ['none', { type: 'none' }],
    [{ type: 'function', function: { name: 'weather' } }, { type: 'tool', name: 'weather' }],
  ] as const)('maps tool_choice %j', (choice, expected) => {
    expect(prepareAnthropicTools([weather], choice, undefined).toolChoice).toEqual(expected)
  })

  it('maps parallel_tool_calls: false to disable_parallel_tool_use', () => {
    expect(prepareAnthropicTools([weather], 'required', false).toolChoice).toEqual({ type: 'any', disable_parallel_tool_use: true })
    expect(prepareAnthropicTools([weather], undefined, false).toolChoice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
  })

  it('sends no tool_choice without tools', () => {
    expect(prepareAnthropicTools([], 'required', undefined)).toEqual({})
    expect(prepareAnthropicTools(undefined, 'auto', undefined)).toEqual({})
  })
})
