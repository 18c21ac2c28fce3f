import { readFileSync, writeFileSync } from 'node:fs'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream, type FakeUpstream } from '../routing/helpers/fake-upstreams.js'

let primary: FakeUpstream
let backup: FakeUpstream
let gw: TestGateway
let client: OpenAI

type Readyz = { status: string; circuits: Record<string, Array<{ target: string; circuit: string; reopens_in_ms?: number }>> }
const readyz = async () => (await (await fetch(`${gw.url}/readyz`)).json()) as Readyz
const circuitOf = async (target: string) => (await readyz()).circuits.flaky!.find((c) => c.target === target)!
const ask = async (stream = false) => {
  if (!stream) {
    const { response } = await client.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    return response.headers.get('x-switchyard-provider')
  }
  const { data, response } = await client.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse()
  for await (const _ of data);
  return response.headers.get('x-switchyard-provider')
}

beforeAll(async () => {
  primary = await startUpstream('openai', 'primary')
  backup = await startUpstream('anthropic', 'backup')
  gw = await startTestGateway({
    providers: [primary.provider, backup.provider],
    models: [
      {
        name: 'flaky',
        retries: { attempts: 0 },
        // A short cooldown, only so the recovery part of the test waits one second, not ten.
        circuit_breaker: { consecutive_failures: 3, cooldown_ms: 1_000 },
        targets: [
          { provider: 'primary', model: primary.model },
          { provider: 'backup', model: backup.model },
        ],
      },
    ],
  })
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await primary.fake.close()
  await backup.fake.close()
})

describe('circuit breaker through the gateway', () => {
  it('stops traffic to a dead target, shows it in /readyz, survives a reload, and gives traffic back after recovery', async () => {
    const id = 'primary/gpt-4o-mini'
    expect((await circuitOf(id)).circuit).toBe('closed')
    primary.setDefault({ status: 503 })
    for (let i = 0; i < 3; i++) expect(await ask(i % 2 === 1)).toBe('backup')
    expect(primary.fake.requests).toHaveLength(3)
    const open = await circuitOf(id)
    expect(open.circuit).toBe('open')
    expect(open.reopens_in_ms).toBeGreaterThan(0)
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200) // an open circuit does not take the replica out of rotation

    // While the circuit is open, requests go straight to the backup. The gateway's own report of the time
    // left decides which requests that covers, so a slow machine cannot make the test flaky.
    let whileOpen = 0
    for (let i = 0; i < 8; i++) {
      const before = await circuitOf(id)
      const count = primary.fake.requests.length
      expect(await ask(i % 2 === 1)).toBe('backup')
      if (before.circuit === 'open' && before.reopens_in_ms! > 500) {
        whileOpen++
        expect(primary.fake.requests).toHaveLength(count)
      }
    }
    expect(whileOpen).toBeGreaterThan(0)

    // A reload that leaves this model alone keeps what the router learnt.
    writeFileSync(gw.configFile, `${readFileSync(gw.configFile, 'utf8')}\n# touched\n`)
    expect(await gw.reload()).toEqual({ ok: true })
    expect((await circuitOf(id)).circuit).toBe('open')

    // The primary recovers; once the cooldown has passed, one probe closes the circuit and traffic returns.
    primary.setDefault({})
    const left = (await circuitOf(id)).reopens_in_ms ?? 0
    await new Promise((r) => setTimeout(r, left + 20))
    const count = primary.fake.requests.length
    expect(await ask()).toBe('primary')
    expect((await circuitOf(id)).circuit).toBe('closed')
    for (let i = 0; i < 6; i++) expect(await ask(i % 2 === 1)).toBe('primary')
    expect(primary.fake.requests).toHaveLength(count + 7)
  })
})
