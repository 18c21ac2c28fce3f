import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { eventually, startUpstream, type FakeUpstream, type UpstreamKind } from '../routing/helpers/fake-upstreams.js'

// A client that goes away must stop everything it started: the open upstream call is aborted at once,
// and no retry or fallback starts afterwards. The fakes count streams whose client left (`aborted`) and
// streams still open (`inFlight`).

const settle = () => new Promise((r) => setTimeout(r, 300))

for (const kind of ['openai', 'anthropic'] as UpstreamKind[]) {
  describe(`client disconnect, ${kind} upstream`, () => {
    let primary: FakeUpstream
    let backup: FakeUpstream
    let gw: TestGateway

    beforeAll(async () => {
      primary = await startUpstream(kind, 'primary')
      backup = await startUpstream('openai', 'backup')
      gw = await startTestGateway({
        providers: [primary.provider, backup.provider],
        models: [
          {
            name: 'm',
            retries: { attempts: 3, backoff_ms: 10, max_backoff_ms: 10, max_retry_after_ms: 60_000 },
            targets: [
              { provider: 'primary', model: primary.model },
              { provider: 'backup', model: backup.model },
            ],
          },
        ],
      })
    })
    afterAll(async () => {
      await gw.close()
      await primary.fake.close()
      await backup.fake.close()
    })
    beforeEach(() => {
      primary.fake.reset()
      backup.fake.reset()
    })

    const post = (body: Record<string, unknown>, signal: AbortSignal) =>
      fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
        signal,
      })

    it('while a stream is held back waiting for its first token: the upstream call is aborted, nothing else starts', async () => {
      primary.next({ firstTokenDelayMs: 30_000 })
      const client = new AbortController()
      const pending = post({ stream: true }, client.signal).catch(() => undefined)
      await eventually(() => primary.fake.inFlight === 1)
      client.abort()
      await pending
      await eventually(() => primary.fake.aborted === 1 && primary.fake.inFlight === 0)
      await settle()
      expect(primary.fake.requests).toHaveLength(1)
      expect(backup.fake.requests).toHaveLength(0)
    })

    it('in the middle of a streamed answer: the upstream stream is aborted, not read to its end', async () => {
      primary.next({ content: Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), chunkIntervalMs: 50 })
      const client = new AbortController()
      const res = await post({ stream: true }, client.signal)
      const reader = res.body!.getReader()
      const first = await reader.read()
      expect(new TextDecoder().decode(first.value)).toContain('w0')
      client.abort()
      await eventually(() => primary.fake.aborted === 1 && primary.fake.inFlight === 0)
      await settle()
      expect(primary.fake.requests).toHaveLength(1)
      expect(backup.fake.requests).toHaveLength(0)
    })

    it('during a wait before a retry: no further attempt on any target', async () => {
      primary.next({ status: 429, headers: { 'retry-after-ms': '2000', 'retry-after': '2' } })
      const client = new AbortController()
      const pending = post({}, client.signal).catch(() => undefined)
      await eventually(() => primary.fake.requests.length === 1)
      client.abort()
      await pending
      await new Promise((r) => setTimeout(r, 2_300)) // past the Retry-After the router would have honoured
      expect(primary.fake.requests).toHaveLength(1)
      expect(backup.fake.requests).toHaveLength(0)
    })
  })
}

describe('client disconnect while a JSON answer is pending', () => {
  it('closes the upstream request at once and starts no retry or fallback', async () => {
    // The fakes do not count closed JSON requests; this bare upstream never answers and records each close.
    let received = 0
    let closed = 0
    const open = new Set<ServerResponse>()
    const silent = createServer((req, res) => {
      received++
      open.add(res)
      res.on('close', () => {
        closed++
        open.delete(res)
      })
      req.resume()
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const backup = await startUpstream('openai', 'backup')
    const gw = await startTestGateway({
      providers: [{ name: 'silent', type: 'openai', base_url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`, api_key: 'sk-x' }, backup.provider],
      models: [{ name: 'm', retries: { attempts: 3 }, targets: [{ provider: 'silent', model: 'gpt-4o-mini' }, { provider: 'backup', model: backup.model }] }],
    })
    try {
      const client = new AbortController()
      const pending = fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        signal: client.signal,
      }).catch(() => undefined)
      await eventually(() => received === 1)
      expect(closed).toBe(0)
      client.abort()
      await pending
      await eventually(() => closed === 1)
      await settle()
      expect(received).toBe(1)
      expect(backup.fake.requests).toHaveLength(0)
    } finally {
      await gw.close()
      await backup.fake.close()
      for (const res of open) res.destroy()
      await new Promise((r) => silent.close(r))
    }
  })
})
