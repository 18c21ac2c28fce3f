import { describe, expect, it } from 'vitest'
import { prepareAnthropicResponseFormat } from '../../../src/providers/anthropic/prepare-anthropic-response-format.js'

const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] }

describe('prepareAnthropicResponseFormat', () => {
  it('does nothing for text or no format', () => {
    expect(prepareAnthropicResponseFormat(undefined, false)).toEqual({ kind: 'none' })
    expect(prepareAnthropicResponseFormat({ type: 'text' }, false)).toEqual({ kind: 'none' })
  })

  it('forces a tool with the schema as its input for json_schema', () => {
    const plan = prepareAnthropicResponseFormat({ type: 'json_schema', json_schema: { name: 'result', schema } }, false)
    expect(plan).toMatchObject({ kind: 'tool', tool: { name: 'result', input_schema: schema }, toolChoice: { type: 'tool', name: 'result' } })
  })

  it('falls back to a system instruction when the client has tools of its own', () => {
    const plan = prepareAnthropicResponseFormat({ type: 'json_schema', json_schema: { name: 'result', schema } }, true)
    expect(plan.kind).toBe('instruction')
    expect(plan.kind === 'instruction' && plan.instruction).toContain(JSON.stringify(schema))
  })

  it('falls back to a system instruction for a schema that is not an object', () => {
    const list = { type: 'array', items: { type: 'string' } }
    const plan = prepareAnthropicResponseFormat({ type: 'json_schema', json_schema: { name: 'list', schema: list } }, false)
    expect(plan.kind).toBe('instruction')
  })

  it('asks for a JSON object for json_object', () => {
    const plan = prepareAnthropicResponseFormat({ type: 'json_object' }, false)
    expect(plan.kind === 'instruction' && plan.instruction).toMatch(/JSON object/)
  })
})
