import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openaiConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// DESIGN.md, "Cache and reversible redaction": a request whose PII was redacted is cached in redacted form, and a hit
// is restored with the current caller's own values, never the first caller's. A finding only logged is never cached.
let up: FakeOpenAI
let gw: TestGateway
let client: OpenAI

beforeAll(async () => {
  up = await startFakeOpenAI({ id: 'primary' })
  gw = await startTestGateway(
    openaiConfig(up.baseURL, {
      cache: { enabled: true, semantic: { enabled: false } },
      guardrails: { pii: { action: 'redact', restore_output: true, entities: { PHONE_NUMBER: 'log' } } },
    }),
  )
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
})

const ask = (content: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse()

describe('exact cache with reversible redaction', () => {
  it('serves a second caller from the redacted entry, with that caller’s own e-mail put back', async () => {
    // The upstream answers with whatever placeholder it was given.
    up.setDefault({ content: (req) => `I will write to ${/<[A-Z_]+\d*>/.exec(JSON.stringify(req.messages))?.[0] ?? 'nobody'} today.` })
    const first = await ask('Please send the invoice to alice.liddell@example.com by Friday.')
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss')
    expect(first.data.choices[0]!.message.content).toBe('I will write to alice.liddell@example.com today.')

    let second!: Awaited<ReturnType<typeof ask>>
    await expect
      .poll(async () => {
        second = await ask('Please send the invoice to bob.marley@example.org by Friday.')
        return second.response.headers.get('x-switchyard-cache')
      }, { timeout: 5000 })
      .toBe('hit')
    expect(second.data.choices[0]!.message.content).toBe('I will write to bob.marley@example.org today.')
    const seen = JSON.stringify(up.requests.map((r) => r.body))
    expect(seen).not.toContain('alice.liddell@example.com')
    expect(seen).not.toContain('bob.marley@example.org')
  })

  it('never stores an answer to a request whose PII was only logged (it reached the upstream as it was)', async () => {
    up.setDefault({ content: 'Noted.' })
    const question = 'Call me back on +44 20 7946 0958 about the order.'
    await ask(question)
    await new Promise((r) => setTimeout(r, 200))
    const again = await ask(question)
    expect(again.response.headers.get('x-switchyard-cache')).toBe('miss')
  })
})
