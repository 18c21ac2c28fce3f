import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openaiConfig, startTestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// What exporter-trace-otlp-http sends: OTLP/HTTP with a JSON body (ExportTraceServiceRequest), POST <endpoint>/v1/traces.
type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: AnyValue[] } }
type KeyValue = { key: string; value: AnyValue }
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: KeyValue[]; status?: { code?: number } }
type ExportRequest = { resourceSpans: Array<{ resource: { attributes: KeyValue[] }; scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }> }

const SPAN_KIND_SERVER = 2
const SPAN_KIND_CLIENT = 3

function plain(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.doubleValue !== undefined) return v.doubleValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.arrayValue) return v.arrayValue.values.map(plain)
  return undefined
}
const attrs = (list: KeyValue[]) => Object.fromEntries(list.map((kv) => [kv.key, plain(kv.value)]))

/** A tiny OTLP/HTTP collector: keeps every export request it is sent. */
async function startCollector(): Promise<{ url: string; requests: Array<{ path: string; contentType: string; tenant: unknown; body: ExportRequest }>; close(): Promise<void> }> {
  const requests: Array<{ path: string; contentType: string; tenant: unknown; body: ExportRequest }> = []
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (b: Buffer) => parts.push(b))
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', tenant: req.headers['x-tenant'], body: JSON.parse(Buffer.concat(parts).toString('utf8')) as ExportRequest })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let up: FakeOpenAI
let collector: Awaited<ReturnType<typeof startCollector>>
beforeAll(async () => {
  up = await startFakeOpenAI()
  collector = await startCollector()
})
afterAll(async () => {
  await up.close()
  await collector.close()
})

describe('OTLP/HTTP export', () => {
  it('posts the spans as JSON to <otlp_endpoint>/v1/traces with the service name and the GenAI attributes', async () => {
    const gw = await startTestGateway(
      openaiConfig(up.baseURL, {
        telemetry: { tracing: { enabled: true, otlp_endpoint: collector.url, sample_ratio: 1.0, service_name: 'switchyard-test', headers: { 'x-tenant': 't1' } } },
      }),
    )
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
    up.next({ content: 'Hello!', usage: { prompt_tokens: 7, completion_tokens: 2 } })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    // Closing the gateway flushes the batch.
    await gw.close()

    expect(collector.requests.length).toBeGreaterThan(0)
    expect(collector.requests.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json') && r.tenant === 't1')).toBe(true)
    const resourceSpans = collector.requests.flatMap((r) => r.body.resourceSpans)
    expect(attrs(resourceSpans[0]!.resource.attributes)).toMatchObject({ 'service.name': 'switchyard-test' })
    const spans = resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
    const root = spans.find((s) => s.kind === SPAN_KIND_SERVER)!
    expect(root.name).toBe('chat gpt-4o-mini')
    expect(attrs(root.attributes)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.response.finish_reasons': ['stop'],
    })
    const attempt = spans.find((s) => s.kind === SPAN_KIND_CLIENT)!
    expect(attempt.traceId).toBe(root.traceId)
    expect(String(up.requests[0]!.headers.traceparent)).toBe(`00-${attempt.traceId}-${attempt.spanId}-01`)
    expect(spans.filter((s) => s.name.startsWith('middleware ')).length).toBeGreaterThanOrEqual(3)
  })
})
