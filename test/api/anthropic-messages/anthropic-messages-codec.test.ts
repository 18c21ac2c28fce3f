import { describe, expect, it } from 'vitest'
import { anthropicMessagesCodec } from '../../../src/api/anthropic-messages/index.js'
import { badRequest, GatewayError } from '../../../src/errors.js'

describe('anthropicMessagesCodec errors', () => {
  it('uses the Anthropic error shape', () => {
    expect(anthropicMessagesCodec.encodeError(badRequest('max_tokens: Field required', 'max_tokens'))).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    })
    expect(anthropicMessagesCodec.encodeError(new GatewayError(429, 'rate_limit_error', 'rate_limited', 'slow down'))).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    })
  })

  it('ends a failed stream with an `event: error` frame', () => {
    const frame = anthropicMessagesCodec.encodeStreamError(new GatewayError(502, 'overloaded_error', 'upstream_overloaded', 'upstream is overloaded'))
    expect(frame).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"upstream is overloaded"}}\n\n')
  })
})
