// The floor under every gateway figure: the cheapest chat proxy this stack allows (Hono on @hono/node-server,
// undici keep-alive pool to the upstream, JSON parsed and re-serialised both ways, nothing else). bench/run.ts
// measures it beside the gateway so "gateway − floor" is what Switchyard's own chain costs.
//
//   tsx bench/floor-proxy.ts --upstream http://127.0.0.1:9000 --port 0
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Pool } from 'undici'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const upstream = new URL(arg('--upstream') ?? 'http://127.0.0.1:9000')
const pool = new Pool(upstream.origin, { connections: 256 })
const app = new Hono()

app.post('/v1/chat/completions', async (c) => {
  const request = await c.req.json<{ stream?: boolean }>()
  const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
  if (!request.stream) return c.json((await res.body.json()) as object, res.statusCode as 200)
  return new Response(Readable.toWeb(res.body) as ReadableStream, { status: res.statusCode, headers: { 'content-type': 'text/event-stream' } })
})

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(arg('--port') ?? 0) }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
