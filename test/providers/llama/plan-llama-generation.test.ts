import { describe, expect, it } from 'vitest'
import { llamaSamplingDefaults, planLlamaGeneration } from '../../../src/providers/llama/plan-llama-generation.js'
import type { ChatRequest } from '../../../src/providers/types.js'

const base: ChatRequest = { model: 'local', messages: [{ role: 'user', content: 'Once upon a time' }] }

describe('planLlamaGeneration', () => {
  it('uses the provider default for max tokens and llama.cpp sampling defaults when the request sets none', () => {
    const plan = planLlamaGeneration(base, 64)
    expect(plan).toMatchObject({ maxTokens: 64, ...llamaSamplingDefaults, seed: undefined, repeatPenalty: undefined, stop: [], format: { kind: 'text' } })
    expect(plan.history.at(-1)).toEqual({ type: 'model', response: [] })
  })

  it('takes max_completion_tokens over max_tokens, and the client sampling, seed, penalties and stop sequences', () => {
    const plan = planLlamaGeneration(
      { ...base, max_tokens: 99, max_completion_tokens: 12, temperature: 0, top_p: 0.5, seed: 7, presence_penalty: 0.3, frequency_penalty: 0.2, stop: ['END', ''] },
      64,
    )
    expect(plan).toMatchObject({ maxTokens: 12, temperature: 0, topP: 0.5, seed: 7, repeatPenalty: { presencePenalty: 0.3, frequencyPenalty: 0.2 }, stop: ['END'] })
    expect(planLlamaGeneration({ ...base, max_tokens: 5, stop: 'x' }, 64)).toMatchObject({ maxTokens: 5, stop: ['x'] })
  })

  it('maps response_format to a JSON output format', () => {
    expect(planLlamaGeneration({ ...base, response_format: { type: 'json_object' } }, 8).format).toEqual({ kind: 'json' })
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    expect(planLlamaGeneration({ ...base, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } }, 8).format).toEqual({ kind: 'json_schema', schema })
  })

  it('refuses what the local model cannot do, naming the field', () => {
    expect(() => planLlamaGeneration({ ...base, n: 2 }, 8)).toThrow(expect.objectContaining({ param: 'n' }))
    expect(() => planLlamaGeneration({ ...base, logprobs: true }, 8)).toThrow(expect.objectContaining({ param: 'logprobs' }))
    const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'f' } }]
    expect(() => planLlamaGeneration({ ...base, tools }, 8)).toThrow(expect.objectContaining({ param: 'tools' }))
    expect(planLlamaGeneration({ ...base, tools, tool_choice: 'none' }, 8).format).toEqual({ kind: 'text' })
  })
})
