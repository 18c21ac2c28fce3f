import { describe, expect, it } from 'vitest'
import { convertAnthropicUsage, mergeAnthropicUsage, toAnthropicUsage } from '../../../src/providers/anthropic/convert-anthropic-usage.js'

describe('convertAnthropicUsage', () => {
  it('adds cache tokens to the prompt count', () => {
    expect(convertAnthropicUsage({ input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 })).toEqual({
      prompt_tokens: 13,
      completion_tokens: 4,
      total_tokens: 17,
      prompt_tokens_details: { cached_tokens: 10, cache_creation_tokens: 0 },
    })
  })

  it('is undefined, not zero, when counts are missing', () => {
    expect(convertAnthropicUsage(undefined)).toBeUndefined()
    expect(convertAnthropicUsage({ output_tokens: 4 })).toBeUndefined()
  })
})

describe('mergeAnthropicUsage', () => {
  it('lets later cumulative counts win and ignores nulls', () => {
    const start = { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 5 }
    expect(mergeAnthropicUsage(start, { output_tokens: 20, input_tokens: null })).toEqual({ input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5 })
  })
})

describe('toAnthropicUsage', () => {
  it('moves cached and cache-write tokens back out of the input count', () => {
    expect(
      toAnthropicUsage({ prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 20 } }),
    ).toEqual({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })
  })

  it('reads OpenAI usage without cache details', () => {
    expect(toAnthropicUsage({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 })).toEqual({ input_tokens: 7, output_tokens: 2 })
    expect(toAnthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0 })
  })
})
