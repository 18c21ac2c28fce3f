import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream, type FakeUpstream } from '../routing/helpers/fake-upstreams.js'

// A 200 whose body is not a valid answer (a proxy's page, a truncated body) is an upstream failure like a 502:
// the next target answers. The fakes always send valid 200 bodies, so this upstream is a bare server.

let broken: Server
let brokenBody = ''
let brokenHits = 0
let backup: FakeUpstream
let gw: TestGateway
let client: OpenAI

beforeAll(async () => {
  broken = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      brokenHits++
      res.writeHead(200, { 'content-type': 'application/json' }).end(brokenBody)
    })
  })
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve))
  const port = (broken.address() as AddressInfo).port
  backup = await startUpstream('anthropic', 'backup')
  gw = await startTestGateway({
    providers: [
      { name: 'broken-openai', type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: 'sk-x' },
      { name: 'broken-anthropic', type: 'anthropic', base_url: `http://127.0.0.1:${port}`, api_key: 'sk-y' },
      backup.provider,
    ],
    models: [
      { name: 'via-openai', retries: { attempts: 0 }, targets: [{ provider: 'broken-openai', model: 'gpt-4o-mini' }, { provider: 'backup', model: backup.model }] },
      { name: 'via-anthropic', retries: { attempts: 0 }, targets: [{ provider: 'broken-anthropic', model: 'claude-3-5-haiku-latest' }, { provider: 'backup', model: backup.model }] },
    ],
  })
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await backup.fake.close()
  await new Promise((r) => broken.close(r))
})

describe('a 200 that is not a valid answer', () => {
  for (const model of ['via-openai', 'via-anthropic']) {
    for (const [name, body] of [
      ['malformed JSON', '{"id": "x", "choices": [ {'],
      ['JSON of the wrong shape', '{"hello": "world"}'],
    ] as const) {
      it(`${name} from ${model.slice(4)} falls back to the next target`, async () => {
        brokenBody = body
        const before = brokenHits
        backup.next({ content: 'Valid answer.' })
        const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
        expect(data.choices[0]!.message.content).toBe('Valid answer.')
        expect(response.headers.get('x-switchyard-attempts')).toBe('2')
        expect(response.headers.get('x-switchyard-provider')).toBe('backup')
        expect(brokenHits).toBe(before + 1)
      })
    }
  }
})
