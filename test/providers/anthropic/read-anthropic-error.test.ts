import { describe, expect, it } from 'vitest'
import { anthropicStreamError, unsupportedFeature, withAnthropicCode } from '../../../src/providers/anthropic/read-anthropic-error.js'
import { UnsupportedFeatureError } from '../../../src/providers/anthropic/unsupported-feature-error.js'
import { UpstreamError } from '../../../src/providers/upstream-error.js'

describe('withAnthropicCode', () => {
  it('makes the Anthropic error type the code, keeping status, retry-after and retryability', () => {
    const err = new UpstreamError('claude', 'http', 'Overloaded', { status: 529, type: 'overloaded_error', retryAfterMs: 2000 })
    const out = withAnthropicCode(err) as UpstreamError
    expect(out).toBeInstanceOf(UpstreamError)
    expect(out).toMatchObject({ provider: 'claude', kind: 'http', status: 529, code: 'overloaded_error', upstreamType: 'overloaded_error', retryAfterMs: 2000, retryable: true })
  })

  it('leaves errors without a type alone', () => {
    const err = new UpstreamError('claude', 'connection', 'could not reach claude')
    expect(withAnthropicCode(err)).toBe(err)
  })
})

describe('anthropicStreamError', () => {
  it('gives a mid-stream error the status Anthropic uses for its type', () => {
    const err = anthropicStreamError('claude', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    expect(err).toMatchObject({ status: 529, code: 'overloaded_error', message: 'Overloaded', retryable: true })
  })

  it('copes with an error event without a body it knows', () => {
    expect(anthropicStreamError('claude', 'garbage')).toMatchObject({ status: 500, code: 'api_error' })
  })
})

describe('unsupportedFeature', () => {
  it('is a non-retryable 400 naming the parameter', () => {
    const err = unsupportedFeature('claude', new UnsupportedFeatureError('n must be 1', 'n'))
    expect(err).toMatchObject({ status: 400, retryable: false, param: 'n', upstreamType: 'invalid_request_error' })
  })
})
