import { describe, expect, it } from 'vitest'
import { mapAnthropicStopReason, toAnthropicStopReason } from '../../../src/providers/anthropic/map-anthropic-stop-reason.js'

describe('mapAnthropicStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['some_future_reason', 'stop'],
    [null, null],
  ] as const)('%s → %s', (raw, expected) => {
    expect(mapAnthropicStopReason(raw)).toBe(expected)
  })
})

describe('toAnthropicStopReason', () => {
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ] as const)('%s → %s', (reason, expected) => {
    expect(toAnthropicStopReason(reason)).toBe(expected)
  })
})
