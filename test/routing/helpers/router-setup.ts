import { modelConfigSchema } from '../../../src/config/schema.js'
import type { GatewayError } from '../../../src/errors.js'
import type { Outcome } from '../../../src/outcome.js'
import type { ChatCompletionChunk, Provider } from '../../../src/providers/types.js'
import { newRequestLog, type RequestLog } from '../../../src/request-log.js'
import { Router, type RouterHooks } from '../../../src/routing/router.js'
import type { TargetInfo } from '../../../src/routing/target-health.js'
import { stubProvider, type StubProvider } from './stub-provider.js'

export type Event = [string, ...unknown[]]

/**
 * A Router over stub providers named a, b, c … with a hand-moved clock (the stubs move it by `advanceMs`
 * to simulate latency) and every hook recorded as a flat event list.
 */
export function routerSetup(model: Record<string, unknown>, names: string[] = ['a', 'b'], random: () => number = () => 0.5) {
  const clock = { now: 0 }
  const events: Event[] = []
  const id = (t: TargetInfo) => t.provider
  const hooks: RouterHooks = {
    attempt: (t, result, _ms, err) => events.push(['attempt', id(t), result, err?.status ?? err?.kind]),
    retry: (t, delay) => events.push(['retry', id(t), delay]),
    fallback: (from, to) => events.push(['fallback', id(from), id(to)]),
    circuit: (t, from, to) => events.push(['circuit', id(t), from, to]),
    streamFailure: (t) => events.push(['streamFailure', id(t)]),
  }
  const router = new Router({ hooks, random, now: () => clock.now })
  const stubs = Object.fromEntries(names.map((n) => [n, stubProvider(n, { advance: (ms) => (clock.now += ms) })])) as Record<string, StubProvider>
  const providers = new Map<string, Provider>(Object.entries(stubs))
  const config = modelConfigSchema.parse({
    name: 'm',
    targets: names.map((n) => ({ provider: n, model: `${n}-model` })),
    retries: { attempts: 0, backoff_ms: 1, max_backoff_ms: 1 },
    ...model,
  })
  const route = router.compile([config], providers).get('m')!
  let log: RequestLog = newRequestLog('r', 'POST', '/v1/chat/completions')
  const run = (opts: { stream?: boolean; signal?: AbortSignal } = {}): Promise<Outcome> => {
    log = newRequestLog('r', 'POST', '/v1/chat/completions')
    return router.run({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: opts.stream }, route, {
      signal: opts.signal ?? new AbortController().signal,
      log,
    })
  }
  /** Runs and returns the answering provider's name, or the error's status and code. */
  const outcomeOf = async (opts: { stream?: boolean } = {}): Promise<string> => {
    try {
      const o = await run(opts)
      if (o.kind === 'stream') await drain(o.chunks)
      return o.provider
    } catch (err) {
      const e = err as GatewayError
      return `${e.status} ${e.code}`
    }
  }
  return { router, route, stubs, events, clock, run, outcomeOf, log: () => log, config }
}

export async function drain(chunks: AsyncIterable<ChatCompletionChunk>): Promise<string> {
  let text = ''
  for await (const c of chunks) text += c.choices[0]?.delta.content ?? ''
  return text
}
