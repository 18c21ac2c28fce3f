import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/errors.js'
import { UpstreamError } from '../../src/providers/upstream-error.js'
import { drain, routerSetup } from './helpers/router-setup.js'
import { seededRandom } from './helpers/seeded-random.js'

const fail = (status: number, retryAfterMs?: number) => ({ kind: 'fail' as const, status, retryAfterMs })

describe('Router: retries and fallback', () => {
  it('answers from the first target and reports one attempt', async () => {
    const { run, stubs, log } = routerSetup({})
    const outcome = await run()
    expect(outcome).toMatchObject({ kind: 'json', provider: 'a', targetModel: 'a-model', attempts: 1 })
    expect(stubs.b!.calls).toHaveLength(0)
    expect(log()).toMatchObject({ attempts: 1 })
    expect(log().fallbacks).toBeUndefined()
  })

  it('retries the same target, then falls back to the next, recording attempts and fallbacks', async () => {
    const { run, stubs, events, log } = routerSetup({ retries: { attempts: 1, backoff_ms: 1, max_backoff_ms: 1 } })
    stubs.a!.next(fail(503), fail(503))
    const outcome = await run()
    expect(outcome).toMatchObject({ provider: 'b', attempts: 3 })
    expect(stubs.a!.calls).toHaveLength(2)
    expect(stubs.b!.calls).toHaveLength(1)
    expect(log()).toMatchObject({ attempts: 3, fallbacks: 1 })
    expect(events).toEqual([
      ['attempt', 'a', 'failure', 503],
      ['retry', 'a', 0.5],
      ['attempt', 'a', 'failure', 503],
      ['fallback', 'a', 'b'],
      ['attempt', 'b', 'success', undefined],
    ])
  })

  it('waits with exponential backoff and full jitter, capped at max_backoff_ms', async () => {
    for (const [r, expected] of [
      [0.5, [2, 4, 5]],
      [0.25, [1, 2, 2.5]],
    ] as const) {
      const { run, stubs, events } = routerSetup({ retries: { attempts: 3, backoff_ms: 4, max_backoff_ms: 10 } }, ['a'], () => r)
      stubs.a!.next(fail(500), fail(502), fail(504))
      await run()
      expect(events.filter((e) => e[0] === 'retry').map((e) => e[2])).toEqual(expected)
      expect(stubs.a!.calls).toHaveLength(4)
    }
  })

  it("honours the upstream's Retry-After within max_retry_after_ms instead of the backoff", async () => {
    const { run, stubs, events } = routerSetup({ retries: { attempts: 1, backoff_ms: 1000, max_backoff_ms: 1000, max_retry_after_ms: 50 } }, ['a'])
    stubs.a!.next(fail(429, 5))
    expect(await run()).toMatchObject({ provider: 'a', attempts: 2 })
    expect(events).toContainEqual(['retry', 'a', 5])
  })

  it('moves on at once when Retry-After is longer than the cap, and leaves that target alone meanwhile', async () => {
    const { run, stubs, events } = routerSetup({ retries: { attempts: 3, backoff_ms: 1, max_backoff_ms: 1, max_retry_after_ms: 50 } })
    stubs.a!.next(fail(429, 60_000))
    expect(await run()).toMatchObject({ provider: 'b', attempts: 2 })
    expect(events.some((e) => e[0] === 'retry')).toBe(false)
    expect(events).toContainEqual(['circuit', 'a', 'closed', 'open'])
    await run()
    await run()
    expect(stubs.a!.calls).toHaveLength(1)
    expect(stubs.b!.calls).toHaveLength(3)
  })

  it("never retries or falls back on the caller's own 400/401/403/404/422, and does not count them against the circuit", async () => {
    const { outcomeOf, stubs, route } = routerSetup({ retries: { attempts: 2, backoff_ms: 1, max_backoff_ms: 1 }, circuit_breaker: { consecutive_failures: 2 } })
    const seen: string[] = []
    for (const status of [400, 401, 403, 404, 422, 400, 400]) {
      stubs.a!.next(fail(status))
      seen.push(await outcomeOf())
    }
    expect(seen).toEqual([
      '400 null',
      '502 upstream_auth_failed',
      '502 upstream_auth_failed',
      '404 null',
      '422 null',
      '400 null',
      '400 null',
    ])
    expect(stubs.a!.calls).toHaveLength(7)
    expect(stubs.b!.calls).toHaveLength(0)
    expect(route.targets[0]!.health.breaker.state).toBe('closed')
  })

  it('falls back on 429, 5xx, timeouts, connection errors and invalid answers by default', async () => {
    const { outcomeOf, stubs } = routerSetup({})
    const faults = [
      fail(429),
      fail(500),
      fail(502),
      fail(503),
      fail(504),
      fail(529),
      { kind: 'fail' as const, failure: 'timeout' as const },
      { kind: 'fail' as const, failure: 'connection' as const },
      { kind: 'fail' as const, failure: 'protocol' as const, status: 502 },
    ]
    for (const f of faults) {
      stubs.a!.next(f)
      expect(await outcomeOf()).toBe('b')
    }
    expect(stubs.b!.calls).toHaveLength(faults.length)
  })

  it('follows a configured fallback_on list instead', async () => {
    const { outcomeOf, stubs } = routerSetup({ fallback_on: [503, 400, 'connection'] })
    stubs.a!.next(fail(503), fail(400), { kind: 'fail', failure: 'connection' }, fail(500), { kind: 'fail', failure: 'timeout' })
    expect(await outcomeOf()).toBe('b')
    expect(await outcomeOf()).toBe('b')
    expect(await outcomeOf()).toBe('b')
    expect(await outcomeOf()).toBe('502 upstream_error')
    expect(await outcomeOf()).toBe('504 upstream_timeout')
  })

  it('gives the last error to the caller when every target failed', async () => {
    const { outcomeOf, stubs } = routerSetup({})
    stubs.a!.next(fail(503))
    stubs.b!.next(fail(429))
    expect(await outcomeOf()).toBe('429 rate_limit_exceeded')
  })

  it('falls back through embeddings the same way', async () => {
    const { router, route, stubs } = routerSetup({})
    stubs.a!.next(fail(500))
    const { newRequestLog } = await import('../../src/request-log.js')
    const res = await router.embed({ model: 'm', input: 'x' }, route, { signal: new AbortController().signal, log: newRequestLog('r', 'POST', '/') })
    expect(res).toMatchObject({ attempts: 2 })
    expect(res.target.provider.name).toBe('b')
  })
})

describe('Router: timeouts', () => {
  it('ends an attempt at timeout_ms, aborting the upstream call, and falls back', async () => {
    const { run, stubs, events } = routerSetup({ timeout_ms: 20 })
    stubs.a!.next({ kind: 'hang' })
    expect(await run()).toMatchObject({ provider: 'b', attempts: 2 })
    expect(stubs.a!.aborted).toBe(1)
    expect(stubs.a!.open).toBe(0)
    expect(events[0]).toEqual(['attempt', 'a', 'failure', 'timeout'])
  })

  it('does not apply first_token_timeout_ms to JSON requests', async () => {
    const { run, stubs } = routerSetup({ timeout_ms: 60, first_token_timeout_ms: 5 }, ['a'])
    stubs.a!.next({ kind: 'hang' })
    const err = (await run().catch((e: unknown) => e)) as GatewayError
    expect((err.cause as UpstreamError).message).toContain('did not answer within 60 ms')
  })

  it('answers 504 when the only target times out', async () => {
    const { outcomeOf, stubs } = routerSetup({ timeout_ms: 20 }, ['a'])
    stubs.a!.next({ kind: 'hang' })
    expect(await outcomeOf()).toBe('504 upstream_timeout')
  })

  it('ends a stream attempt whose first token is late at first_token_timeout_ms, before the client saw anything', async () => {
    const { run, stubs } = routerSetup({ first_token_timeout_ms: 20 })
    stubs.a!.next({ kind: 'slow-first-token' })
    const outcome = await run({ stream: true })
    expect(outcome).toMatchObject({ kind: 'stream', provider: 'b', attempts: 2 })
    if (outcome.kind === 'stream') expect(await drain(outcome.chunks)).toBe('from b')
    expect(stubs.a!.aborted).toBe(1)
    expect(stubs.a!.open).toBe(0)
  })
})

describe('Router: streams', () => {
  it('ends a stream that outlives timeout_ms with an error inside the stream, counted against the circuit', async () => {
    const { run, stubs, route, events } = routerSetup({ timeout_ms: 40, circuit_breaker: { consecutive_failures: 1 } })
    stubs.a!.next({ kind: 'stall', after: 1 })
    const outcome = await run({ stream: true })
    if (outcome.kind !== 'stream') throw new Error('expected a stream')
    const err = await drain(outcome.chunks).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect((err as UpstreamError).kind).toBe('timeout')
    expect(events).toContainEqual(['streamFailure', 'a'])
    expect(route.targets[0]!.health.breaker.state).toBe('open')
    expect(stubs.b!.calls).toHaveLength(0)
  })

  it('falls back when a stream fails before its first content', async () => {
    const { run, stubs } = routerSetup({})
    stubs.a!.next({ kind: 'cut', after: 0 })
    const outcome = await run({ stream: true })
    expect(outcome).toMatchObject({ provider: 'b', attempts: 2 })
    if (outcome.kind === 'stream') expect(await drain(outcome.chunks)).toBe('from b')
  })

  it('lets a failure after the first content travel inside the stream and counts it against the circuit', async () => {
    const { run, stubs, events, route } = routerSetup({ circuit_breaker: { consecutive_failures: 1 } })
    stubs.a!.next({ kind: 'cut', after: 2 })
    const outcome = await run({ stream: true })
    expect(outcome.provider).toBe('a')
    let text = ''
    const err = await (async () => {
      if (outcome.kind !== 'stream') return undefined
      for await (const c of outcome.chunks) text += c.choices[0]?.delta.content ?? ''
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect(text).toBe('a b')
    expect(stubs.b!.calls).toHaveLength(0)
    expect(events).toContainEqual(['streamFailure', 'a'])
    expect(route.targets[0]!.health.breaker.state).toBe('open')
    expect(route.targets[0]!.health.inFlight).toBe(0)
  })

  it('aborts the upstream at once when the consumer stops reading mid-stream', async () => {
    const { run, stubs, route } = routerSetup({})
    stubs.a!.next({ kind: 'stall', after: 1 })
    const outcome = await run({ stream: true })
    if (outcome.kind !== 'stream') throw new Error('expected a stream')
    const it = outcome.chunks[Symbol.asyncIterator]()
    await it.next() // role chunk
    await it.next() // first content
    const pending = it.next() // waits on the stalled upstream
    await it.return!()
    await pending.catch(() => undefined)
    expect(stubs.a!.aborted).toBe(1)
    expect(stubs.a!.open).toBe(0)
    expect(route.targets[0]!.health.inFlight).toBe(0)
    expect(route.targets[0]!.health.breaker.state).toBe('closed')
  })

  it('ends the upstream call when the consumer gives the stream up before reading it', async () => {
    const { run, stubs, route } = routerSetup({})
    stubs.a!.next({ kind: 'stall', after: 1 })
    const outcome = await run({ stream: true })
    if (outcome.kind !== 'stream') throw new Error('expected a stream')
    expect(route.targets[0]!.health.inFlight).toBe(1)
    await outcome.chunks[Symbol.asyncIterator]().return!()
    expect(route.targets[0]!.health.inFlight).toBe(0)
    expect(stubs.a!.open).toBe(0)
  })

  it('counts a stream as in flight until it ends, which least-busy uses', async () => {
    const { run, stubs, route } = routerSetup({ strategy: 'least-busy' })
    const first = await run({ stream: true })
    expect(first.provider).toBe('a')
    expect(route.targets[0]!.health.inFlight).toBe(1)
    const second = await run({ stream: true })
    expect(second.provider).toBe('b')
    if (first.kind === 'stream') await drain(first.chunks)
    if (second.kind === 'stream') await drain(second.chunks)
    expect(route.targets.map((t) => t.health.inFlight)).toEqual([0, 0])
    expect((await run()).provider).toBe('a')
    expect(stubs.a!.open + stubs.b!.open).toBe(0)
  })
})

describe('Router: circuit breaker', () => {
  it('stops sending traffic to a dead target, and gives it traffic back once a probe succeeds', async () => {
    const { outcomeOf, stubs, clock, events } = routerSetup({ circuit_breaker: { consecutive_failures: 3, cooldown_ms: 1_000 } })
    stubs.a!.setDefault(fail(503))
    for (let i = 0; i < 10; i++) expect(await outcomeOf()).toBe('b')
    expect(stubs.a!.calls).toHaveLength(3)
    // Cooldown over, still dead: one probe, open again.
    clock.now += 1_000
    for (let i = 0; i < 5; i++) expect(await outcomeOf()).toBe('b')
    expect(stubs.a!.calls).toHaveLength(4)
    // It recovered: the next probe closes the circuit and traffic returns.
    stubs.a!.setDefault({ kind: 'answer' })
    clock.now += 2_000
    for (let i = 0; i < 5; i++) expect(await outcomeOf()).toBe('a')
    expect(stubs.a!.calls).toHaveLength(9)
    expect(events.filter((e) => e[0] === 'circuit').map((e) => e.slice(2))).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ])
  })

  it('sends only one probe to a half-open target; other requests go elsewhere meanwhile', async () => {
    const { run, stubs, clock, route } = routerSetup({ timeout_ms: 50, circuit_breaker: { consecutive_failures: 1, cooldown_ms: 100 } })
    stubs.a!.next(fail(503))
    await run()
    clock.now += 100
    stubs.a!.next({ kind: 'hang' })
    const probe = run()
    const others = await Promise.all([run(), run(), run()])
    expect(others.map((o) => o.provider)).toEqual(['b', 'b', 'b'])
    expect((await probe).provider).toBe('b') // the probe timed out and fell back
    expect(stubs.a!.calls).toHaveLength(2)
    expect(route.targets[0]!.health.breaker.state).toBe('open')
  })

  it('with every circuit open, tries once where the cooldown ends first instead of failing without trying', async () => {
    const { outcomeOf, stubs, clock } = routerSetup({ circuit_breaker: { consecutive_failures: 1, cooldown_ms: 1_000 } })
    stubs.a!.next(fail(503))
    stubs.b!.next(fail(503))
    expect(await outcomeOf()).toBe('502 upstream_overloaded') // both failed: both open, a first
    clock.now += 10
    stubs.a!.next(fail(503))
    expect(await outcomeOf()).toBe('502 upstream_overloaded')
    expect([stubs.a!.calls.length, stubs.b!.calls.length]).toEqual([2, 1]) // a reopens first: one attempt there, none on b
    // a was reopened with a doubled cooldown, so b is now the one to end first; it has recovered.
    expect(await outcomeOf()).toBe('b')
    expect([stubs.a!.calls.length, stubs.b!.calls.length]).toEqual([2, 2])
    expect(await outcomeOf()).toBe('b') // b's circuit closed again
    expect([stubs.a!.calls.length, stubs.b!.calls.length]).toEqual([2, 3])
  })

  it('turned off, never skips a target', async () => {
    const { outcomeOf, stubs } = routerSetup({ circuit_breaker: { enabled: false } })
    stubs.a!.next(fail(429, 600_000))
    stubs.a!.setDefault(fail(503))
    for (let i = 0; i < 30; i++) expect(await outcomeOf()).toBe('b')
    expect(stubs.a!.calls).toHaveLength(30)
  })

  it('with one healthy target, every request succeeds while the others fail half the time', async () => {
    const random = seededRandom(11)
    const { outcomeOf, stubs } = routerSetup({ strategy: 'weighted' }, ['a', 'b', 'c'], random)
    for (const name of ['a', 'b']) {
      const flaky = Array.from({ length: 400 }, () => (random() < 0.5 ? fail(503) : { kind: 'answer' as const }))
      stubs[name]!.next(...flaky)
    }
    const results = new Set<string>()
    for (let i = 0; i < 200; i++) results.add(await outcomeOf({ stream: i % 2 === 1 }))
    expect([...results].every((r) => ['a', 'b', 'c'].includes(r))).toBe(true)
    expect(stubs.c!.calls.length).toBeGreaterThan(0)
  })
})

describe('Router: client disconnect', () => {
  it('aborts the open upstream call and never starts another', async () => {
    const { run, stubs } = routerSetup({ retries: { attempts: 3, backoff_ms: 1, max_backoff_ms: 1 } })
    stubs.a!.next({ kind: 'hang' })
    const client = new AbortController()
    const pending = run({ signal: client.signal })
    await new Promise((r) => setTimeout(r, 5))
    client.abort('client gone')
    const err = await pending.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).code).toBe('client_closed')
    expect(stubs.a!.aborted).toBe(1)
    expect(stubs.a!.calls).toHaveLength(1)
    expect(stubs.b!.calls).toHaveLength(0)
  })

  it('stops during a retry backoff without another attempt', async () => {
    const { run, stubs } = routerSetup({ retries: { attempts: 3, backoff_ms: 60_000, max_backoff_ms: 60_000 } })
    stubs.a!.next(fail(503))
    const client = new AbortController()
    const pending = run({ signal: client.signal })
    await new Promise((r) => setTimeout(r, 5))
    client.abort('client gone')
    expect(((await pending.catch((e: unknown) => e)) as GatewayError).code).toBe('client_closed')
    expect(stubs.a!.calls).toHaveLength(1)
    expect(stubs.b!.calls).toHaveLength(0)
  })

  it('does not count a cancelled attempt against the circuit', async () => {
    const { run, stubs, route } = routerSetup({ circuit_breaker: { consecutive_failures: 1 } })
    stubs.a!.next({ kind: 'hang' })
    const client = new AbortController()
    const pending = run({ signal: client.signal })
    await new Promise((r) => setTimeout(r, 5))
    client.abort('client gone')
    await pending.catch(() => undefined)
    expect(route.targets[0]!.health.breaker.state).toBe('closed')
  })
})

describe('Router: strategies over live health', () => {
  it('lowest-latency moves traffic to the faster target, and back when that one slows down', async () => {
    const { outcomeOf, stubs } = routerSetup({ strategy: 'lowest-latency' }, ['a', 'b'], () => 0.5)
    stubs.a!.setDefault({ kind: 'answer', advanceMs: 100 })
    stubs.b!.setDefault({ kind: 'answer', advanceMs: 10 })
    const picks: string[] = []
    for (let i = 0; i < 20; i++) picks.push(await outcomeOf())
    expect(picks.slice(0, 2)).toEqual(['a', 'b']) // each measured once
    expect(picks.slice(2).every((p) => p === 'b')).toBe(true)
    stubs.b!.setDefault({ kind: 'answer', advanceMs: 400 })
    const later: string[] = []
    for (let i = 0; i < 20; i++) later.push(await outcomeOf())
    expect(later.slice(-10).every((p) => p === 'a')).toBe(true)
  })

  it('lowest-latency notices a recovered target through its exploration picks', async () => {
    const { outcomeOf, stubs } = routerSetup({ strategy: 'lowest-latency' }, ['a', 'b'], seededRandom(5))
    stubs.a!.setDefault({ kind: 'answer', advanceMs: 500 })
    stubs.b!.setDefault({ kind: 'answer', advanceMs: 50 })
    for (let i = 0; i < 30; i++) await outcomeOf()
    // a recovers, b slows down to just under a's old figure: without exploration a would never be measured again.
    stubs.a!.setDefault({ kind: 'answer', advanceMs: 10 })
    stubs.b!.setDefault({ kind: 'answer', advanceMs: 450 })
    const picks: string[] = []
    for (let i = 0; i < 200; i++) picks.push(await outcomeOf())
    expect(picks.slice(-50).filter((p) => p === 'a').length).toBeGreaterThanOrEqual(45)
  })

  it('lowest-latency ranks streams by time to first content', async () => {
    const { outcomeOf, stubs } = routerSetup({ strategy: 'lowest-latency' }, ['a', 'b'], () => 0.5)
    stubs.a!.setDefault({ kind: 'answer', advanceMs: 10 })
    stubs.b!.setDefault({ kind: 'answer', advanceMs: 50 })
    for (let i = 0; i < 10; i++) await outcomeOf({ stream: true })
    expect(stubs.a!.calls.filter((c) => c.stream).length).toBe(9)
  })
})

describe('Router: health across config reloads', () => {
  it('keeps circuits and latency for unchanged targets, and starts fresh for changed or removed ones', async () => {
    const { router, route, config, stubs } = routerSetup({ circuit_breaker: { consecutive_failures: 1 } })
    const providers = new Map(Object.entries(stubs))
    const before = route.targets.map((t) => t.health)
    before[0]!.breaker.onFailure(0)
    const again = router.compile([config], providers).get('m')!
    expect(again.targets[0]!.health).toBe(before[0])
    expect(again.targets[0]!.health.breaker.state).toBe('open')
    // The provider behind b was rebuilt (its config changed): b's health starts over.
    const { stubProvider } = await import('./helpers/stub-provider.js')
    const changed = router.compile([config], new Map([...providers, ['b', stubProvider('b')]])).get('m')!
    expect(changed.targets[0]!.health).toBe(before[0])
    expect(changed.targets[1]!.health).not.toBe(before[1])
    // New circuit settings: a new circuit, same latency record.
    before[0]!.observeLatency(false, 42)
    const tuned = router.compile([{ ...config, circuit_breaker: { ...config.circuit_breaker, cooldown_ms: 5 } }], providers).get('m')!
    expect(tuned.targets[0]!.health).toBe(before[0])
    expect(tuned.targets[0]!.health.breaker.state).toBe('closed')
    expect(tuned.targets[0]!.health.latencyMs(false)).toBe(42)
    // Removed, then added back: fresh.
    router.compile([{ ...config, targets: [config.targets[1]!] }], providers)
    const readded = router.compile([config], providers).get('m')!
    expect(readded.targets[0]!.health).not.toBe(before[0])
  })

  it('gives repeated provider/model pairs their own ids and health', async () => {
    const { router, stubs, config } = routerSetup({})
    const route = router.compile([{ ...config, targets: [config.targets[0]!, config.targets[0]!] }], new Map(Object.entries(stubs))).get('m')!
    expect(route.targets.map((t) => t.id)).toEqual(['a/a-model', 'a/a-model#2'])
    expect(route.targets[0]!.health).not.toBe(route.targets[1]!.health)
  })
})
