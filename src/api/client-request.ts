import type { Context } from 'hono'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { badRequest, GatewayError } from '../errors.js'

type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse }

const tooLarge = (limit: number) =>
  new GatewayError(413, 'invalid_request_error', 'request_too_large', `The request body is larger than ${limit} bytes.`)

const invalidJson = () => badRequest('We could not parse the JSON body of your request. Send valid JSON.', null, 'invalid_json')

/**
 * Reads and parses a JSON body with a size limit. Under Node it reads the socket directly: going through
 * the Fetch `Request` would build a full undici Request per call, which is most of a proxy's per-request cost.
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const declared = Number(c.req.header('content-length'))
  if (declared > limit) throw tooLarge(limit)
  const incoming = (c.env as NodeBindings | undefined)?.incoming
  let text: string
  if (incoming) {
    const parts: Buffer[] = []
    let size = 0
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) throw tooLarge(limit)
      parts.push(chunk)
    }
    text = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8')
  } else {
    text = await c.req.text()
    if (Buffer.byteLength(text) > limit) throw tooLarge(limit)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw invalidJson()
  }
}

/**
 * Aborted when the client goes away before its response is complete. Under Node this listens on the
 * socket's response; elsewhere (app.request() in tests) it is the Fetch request's own signal.
 */
export function clientSignal(c: Context): AbortSignal {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing as (ServerResponse & { [SIGNAL]?: AbortSignal }) | undefined
  if (!outgoing) return c.req.raw.signal
  let signal = outgoing[SIGNAL]
  if (!signal) {
    const controller = new AbortController()
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) controller.abort(new DOMException('The client closed the connection.', 'AbortError'))
    })
    signal = outgoing[SIGNAL] = controller.signal
  }
  return signal
}

const SIGNAL = Symbol('switchyard.clientSignal')

/** Node's response for this request, when the gateway runs on Node (not in app.request() tests). */
export function nodeResponse(c: Context): ServerResponse | undefined {
  return (c.env as NodeBindings | undefined)?.outgoing
}

/**
 * Writes text frames straight to Node's response, without a web ReadableStream, TextEncoder and pull per frame
 * (a tenth of a streamed answer's CPU). Frames produced in one turn of the event loop (one upstream read often
 * carries many SSE events) go out in one write: the response stays corked until that turn's promise jobs have
 * run. Waits for a full socket to drain. When the client leaves, stops and calls `onClientGone` instead of
 * ending the response.
 */
export async function writeFrames(outgoing: ServerResponse, next: () => Promise<string | undefined>, onClientGone: () => Promise<void>): Promise<void> {
  let gone = false
  let wake: (() => void) | undefined
  const onClose = () => {
    if (outgoing.writableFinished) return
    gone = true
    wake?.()
  }
  outgoing.once('close', onClose)
  let corked = false
  const uncork = () => {
    corked = false
    outgoing.uncork()
  }
  try {
    for (let frame = await next(); frame !== undefined && !gone; frame = await next()) {
      if (!corked) {
        corked = true
        outgoing.cork()
        process.nextTick(uncork)
      }
      if (!outgoing.write(frame) && !gone) {
        await new Promise<void>((resolve) => {
          wake = resolve
          outgoing.once('drain', resolve)
        })
        wake = undefined
      }
    }
  } finally {
    outgoing.off('close', onClose)
  }
  if (gone) await onClientGone()
  else outgoing.end()
}
