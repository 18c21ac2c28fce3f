import { describe, expect, it } from 'vitest'
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from '../../src/routing/circuit-breaker.js'

const options: CircuitBreakerOptions = {
  enabled: true,
  consecutiveFailures: 3,
  failureRatio: 0.5,
  minRequests: 10,
  windowMs: 10_000,
  cooldownMs: 1_000,
  maxCooldownMs: 3_000,
}

function breaker(overrides: Partial<CircuitBreakerOptions> = {}) {
  const changes: Array<[CircuitState, CircuitState]> = []
  const b = new CircuitBreaker({ ...options, ...overrides }, (from, to) => changes.push([from, to]))
  return { b, changes }
}

describe('CircuitBreaker', () => {
  it('opens after the configured number of failures in a row, and a success in between resets the count', () => {
    const { b, changes } = breaker()
    b.onFailure(0)
    b.onFailure(1)
    b.onSuccess(2)
    b.onFailure(3)
    b.onFailure(4)
    expect(b.state).toBe('closed')
    b.onFailure(5)
    expect(b.state).toBe('open')
    expect(b.allows(6)).toBe(false)
    expect(changes).toEqual([['closed', 'open']])
  })

  it('opens on a failure ratio over the window once it holds min_requests attempts', () => {
    const { b } = breaker({ consecutiveFailures: 0 })
    // Alternating: never 2 failures in a row, but half of all attempts fail.
    for (let i = 0; i < 9; i++) (i % 2 ? b.onFailure : b.onSuccess).call(b, i)
    expect(b.state).toBe('closed') // 9 attempts < min_requests
    b.onFailure(9) // 10 attempts, 5 failed
    expect(b.state).toBe('open')
  })

  it('forgets failures that slid out of the window', () => {
    const { b } = breaker({ consecutiveFailures: 0 })
    for (let i = 0; i < 6; i++) b.onFailure(i)
    for (let i = 0; i < 3; i++) b.onSuccess(i)
    // 20 s later the early failures are gone: 1 failure in 10 attempts.
    for (let i = 0; i < 9; i++) b.onSuccess(20_000 + i)
    b.onFailure(20_010)
    expect(b.state).toBe('closed')
  })

  it('stays closed with both rules off (thresholds 0)', () => {
    const { b } = breaker({ consecutiveFailures: 0, minRequests: 0 })
    for (let i = 0; i < 100; i++) b.onFailure(i)
    expect(b.state).toBe('closed')
  })

  it('turned off, never opens: not on failures, not on a long Retry-After', () => {
    const { b, changes } = breaker({ enabled: false })
    for (let i = 0; i < 100; i++) b.onFailure(i)
    b.holdOpen(100, 60_000)
    expect(b.state).toBe('closed')
    expect(b.allows(101)).toBe(true)
    expect(changes).toEqual([])
  })

  it('half-opens after the cooldown and lets exactly one probe through; its success closes the circuit', () => {
    const { b, changes } = breaker()
    for (let i = 0; i < 3; i++) b.onFailure(0)
    expect(b.allows(999)).toBe(false)
    expect(b.reopensIn(400)).toBe(600)
    expect(b.allows(1_000)).toBe(true)
    expect(b.state).toBe('half-open')
    b.onStart()
    expect(b.allows(1_001)).toBe(false) // the probe is out
    b.onSuccess(1_002)
    expect(b.state).toBe('closed')
    expect(b.allows(1_003)).toBe(true)
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ])
  })

  it('reopens when the probe fails, doubling the cooldown up to max_cooldown_ms', () => {
    const { b } = breaker()
    for (let i = 0; i < 3; i++) b.onFailure(0)
    let t = 1_000
    for (const cooldown of [2_000, 3_000, 3_000]) {
      expect(b.allows(t)).toBe(true)
      b.onStart()
      b.onFailure(t)
      expect(b.state).toBe('open')
      expect(b.reopensIn(t)).toBe(cooldown)
      t += cooldown
    }
    // A successful probe resets the cooldown to its base.
    expect(b.allows(t)).toBe(true)
    b.onStart()
    b.onSuccess(t)
    for (let i = 0; i < 3; i++) b.onFailure(t)
    expect(b.reopensIn(t)).toBe(1_000)
  })

  it('frees the probe slot when the probe ends without a verdict (client left, caller error)', () => {
    const { b } = breaker()
    for (let i = 0; i < 3; i++) b.onFailure(0)
    expect(b.allows(1_000)).toBe(true)
    b.onStart()
    expect(b.allows(1_000)).toBe(false)
    b.onNeutral()
    expect(b.state).toBe('half-open')
    expect(b.allows(1_000)).toBe(true)
  })

  it('ignores results of calls that started before the circuit opened', () => {
    const { b } = breaker()
    for (let i = 0; i < 3; i++) b.onFailure(0)
    b.onSuccess(10)
    expect(b.state).toBe('open')
    b.onFailure(20)
    expect(b.reopensIn(20)).toBe(980)
  })

  it('forceProbe sends one attempt through an open circuit and its result decides', () => {
    const { b } = breaker()
    for (let i = 0; i < 3; i++) b.onFailure(0)
    b.forceProbe()
    expect(b.state).toBe('half-open')
    b.onSuccess(5)
    expect(b.state).toBe('closed')
  })

  it('holdOpen keeps a target away for a Retry-After, capped at max_cooldown_ms, never shortening an open circuit', () => {
    const { b } = breaker()
    b.holdOpen(0, 2_500)
    expect(b.state).toBe('open')
    expect(b.reopensIn(0)).toBe(2_500)
    b.holdOpen(100, 500)
    expect(b.reopensIn(100)).toBe(2_400)
    b.holdOpen(100, 60_000)
    expect(b.reopensIn(100)).toBe(3_000)
  })
})
