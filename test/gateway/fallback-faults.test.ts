import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream, type FakeUpstream, type SharedScript, type UpstreamKind } from '../routing/helpers/fake-upstreams.js'

// Every fault the fakes can produce, for JSON and streams, with the backup of the same provider type
// (a second key or region) and of the other type (the request translated OpenAI ↔ Anthropic).
// Faults before the first content byte must be invisible to the client: the backup answers.
// Faults after it must end the stream with an error event, never with a normal finish.

type Mode = 'json' | 'stream'
type Fault = { name: string; script: SharedScript; modes: Mode[]; only?: UpstreamKind }

const both: Mode[] = ['json', 'stream']
const beforeFirstByte: Fault[] = [
  { name: '429 rate limited', script: { status: 429 }, modes: both },
  { name: '500', script: { status: 500 }, modes: both },
  { name: '502', script: { status: 502 }, modes: both },
  { name: '503', script: { status: 503 }, modes: both },
  { name: '504', script: { status: 504 }, modes: both },
  { name: '529 overloaded', script: { status: 529 }, modes: both },
  { name: 'HTML error page from a proxy', script: { status: 502, rawBody: '<html><body>Bad Gateway</body></html>' }, modes: both },
  { name: 'answer slower than timeout_ms', script: { latencyMs: 10_000 }, modes: both },
  { name: 'no answer at all', script: { hang: true }, modes: both },
  { name: 'connection reset', script: { reset: true }, modes: both },
  { name: 'first token slower than first_token_timeout_ms', script: { firstTokenDelayMs: 10_000 }, modes: ['stream'] },
  { name: 'stream cut before any content', script: { cutAfterChunks: 0 }, modes: ['stream'] },
  { name: 'error event before any content', script: { streamErrorAfterChunks: 0 }, modes: ['stream'], only: 'anthropic' },
]
const afterFirstByte: Fault[] = [
  // The interval lets the first chunks leave before the cut (the Anthropic fake destroys the socket, dropping unsent bytes).
  { name: 'stream cut mid-answer', script: { content: 'one two three four five', cutAfterChunks: 2, chunkIntervalMs: 20 }, modes: ['stream'] },
  { name: 'malformed SSE event mid-answer', script: { content: 'one two three four five', malformed: true }, modes: ['stream'] },
  { name: 'error event mid-answer', script: { content: 'one two three four five', streamErrorAfterChunks: 2 }, modes: ['stream'], only: 'anthropic' },
]

const pairs: Array<[UpstreamKind, UpstreamKind]> = [
  ['openai', 'openai'],
  ['openai', 'anthropic'],
  ['anthropic', 'anthropic'],
  ['anthropic', 'openai'],
]

for (const [primaryKind, backupKind] of pairs) {
  describe(`${primaryKind} primary, ${backupKind} backup`, () => {
    let primary: FakeUpstream
    let backup: FakeUpstream
    let gw: TestGateway
    let client: OpenAI

    beforeAll(async () => {
      primary = await startUpstream(primaryKind, 'primary')
      backup = await startUpstream(backupKind, 'backup')
      gw = await startTestGateway({
        providers: [primary.provider, backup.provider],
        models: [
          {
            name: 'routed',
            retries: { attempts: 0 },
            // Small limits, only so the timeout faults trigger quickly; roomy enough for a busy machine.
            timeout_ms: 1_500,
            first_token_timeout_ms: 800,
            circuit_breaker: { enabled: false },
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
    beforeEach(() => {
      primary.fake.reset()
      backup.fake.reset()
    })

    for (const fault of beforeFirstByte) {
      if (fault.only && fault.only !== primaryKind) continue
      for (const mode of fault.modes) {
        it(`${fault.name} (${mode}): the backup answers, the client sees no trace of the fault`, async () => {
          primary.next(fault.script)
          backup.next({ content: 'Served by the backup.' })
          const messages = [{ role: 'user' as const, content: 'hello' }]
          let text = ''
          let finish: string | null = null
          let headers: Headers
          if (mode === 'json') {
            const { data, response } = await client.chat.completions.create({ model: 'routed', messages }).withResponse()
            text = data.choices[0]!.message.content ?? ''
            finish = data.choices[0]!.finish_reason
            headers = response.headers
          } else {
            const { data, response } = await client.chat.completions.create({ model: 'routed', messages, stream: true }).withResponse()
            for await (const chunk of data) {
              text += chunk.choices[0]?.delta.content ?? ''
              finish = chunk.choices[0]?.finish_reason ?? finish
            }
            headers = response.headers
          }
          expect(text).toBe('Served by the backup.')
          expect(finish).toBe('stop')
          expect(headers.get('x-switchyard-provider')).toBe('backup')
          expect(headers.get('x-switchyard-target-model')).toBe(backup.model)
          expect(headers.get('x-switchyard-attempts')).toBe('2')
          expect(primary.fake.requests).toHaveLength(1)
          expect(backup.fake.requests).toHaveLength(1)
        })
      }
    }

    for (const fault of afterFirstByte) {
      if (fault.only && fault.only !== primaryKind) continue
      it(`${fault.name}: the stream ends with an error event and a clean close, no fallback, no normal finish`, async () => {
        primary.next(fault.script)
        const res = await fetch(`${gw.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'routed', messages: [{ role: 'user', content: 'hello' }], stream: true }),
        })
        expect(res.status).toBe(200)
        expect(res.headers.get('x-switchyard-provider')).toBe('primary')
        const events = (await res.text()).split('\n\n').filter(Boolean)
        const last = JSON.parse(events.at(-1)!.replace(/^data: /, '')) as { error?: { type: string; code: string; message: string } }
        expect(last.error).toMatchObject({ type: expect.any(String), code: expect.any(String) })
        expect(last.error!.message).not.toContain('sk-')
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')) as OpenAI.ChatCompletionChunk)
        expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toMatch(/^one /)
        expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false)
        expect(events.some((e) => e.includes('[DONE]'))).toBe(false)
        expect(backup.fake.requests).toHaveLength(0)
      })
    }

    it('the openai SDK raises the mid-stream error after the partial text', async () => {
      primary.next({ content: 'one two three four five', cutAfterChunks: 2, chunkIntervalMs: 20 })
      const stream = await client.chat.completions.create({ model: 'routed', messages: [{ role: 'user', content: 'hi' }], stream: true })
      let text = ''
      const err = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      })().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.APIError)
      expect(text.startsWith('one ')).toBe(true)
      expect(text).not.toContain('five')
    })

    it("never falls back on the caller's own 400, 404 or 422", async () => {
      for (const status of [400, 404, 422]) {
        primary.next({ status, error: { message: 'bad request field' } })
        const err = await client.chat.completions.create({ model: 'routed', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(OpenAI.APIError)
        expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(status)
      }
      expect(primary.fake.requests).toHaveLength(3)
      expect(backup.fake.requests).toHaveLength(0)
    })
  })
}
