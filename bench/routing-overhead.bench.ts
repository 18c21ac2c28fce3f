// What the routing layer adds on the happy path: Router.run against an in-process provider that answers at
// once, compared with calling that provider directly. Prints p50/p99 per call in microseconds; figures, not
// assertions. Run alone on a quiet machine:
//
//   npx tsx bench/routing-overhead.bench.ts            (BENCH_ITERATIONS=200000 by default)
import { modelConfigSchema } from '../src/config/schema.js'
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Provider } from '../src/providers/types.js'
import { newRequestLog } from '../src/request-log.js'
import { Router, type Route } from '../src/routing/router.js'

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200_000)
const warmup = Math.min(20_000, iterations)

const completion: ChatCompletion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
}
const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: 'stop' | null = null): ChatCompletionChunk => ({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'bench-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
})
const chunks = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({ content: '!' }), chunk({}, 'stop')]

async function* streamChunks(): AsyncGenerator<ChatCompletionChunk> {
  for (const c of chunks) yield c
}

/** Answers at once: everything measured is the caller's own work. */
const provider: Provider = {
  name: 'bench',
  type: 'openai',
  chat: async () => completion,
  stream: async () => streamChunks(),
  embeddings: async () => ({ object: 'list', data: [], model: 'bench-model', usage: { prompt_tokens: 0, total_tokens: 0 } }),
  listModels: async () => [],
  state: () => 'ready',
  close: async () => undefined,
}

const router = new Router({ hooks: { attempt: () => undefined } })
const providers = new Map<string, Provider>([
  ['bench', provider],
  ['bench-2', { ...provider, name: 'bench-2' }],
])
const pricing = {
  lookup: (model: string) => ({ inputPerMtok: model === 'cheap' ? 0.1 : 1, outputPerMtok: model === 'cheap' ? 0.4 : 4, contextWindow: 128_000 }),
}
const routes = router.compile(
  (['priority', 'weighted', 'lowest-latency', 'lowest-cost', 'least-busy'] as const).map((strategy) =>
    modelConfigSchema.parse({
      name: strategy,
      strategy,
      first_token_timeout_ms: 30_000,
      targets: [
        { provider: 'bench', model: 'dear' },
        { provider: 'bench-2', model: 'cheap' },
      ],
    }),
  ),
  providers,
  pricing,
)

const req: ChatRequest = { model: 'priority', messages: [{ role: 'user', content: 'Say hello in one word.' }] }
const streamReq: ChatRequest = { ...req, stream: true }
const signal = new AbortController().signal
const headers = { 'x-request-id': 'bench' }

async function drain(it: AsyncIterable<ChatCompletionChunk>): Promise<void> {
  for await (const _ of it);
}

type Case = { name: string; run: () => Promise<unknown> }

const direct = (stream: boolean): Case => ({
  name: stream ? 'direct provider.stream + read' : 'direct provider.chat',
  run: stream
    ? async () => drain(await provider.stream(streamReq, 'dear', { signal, headers }))
    : () => provider.chat(req, 'dear', { signal, headers }),
})

const routed = (route: Route, stream: boolean): Case => ({
  name: `Router.run ${route.name}${stream ? ' stream + read' : ''}`,
  run: stream
    ? async () => {
        const outcome = await router.run(streamReq, route, { signal, headers, log: newRequestLog('b', 'POST', '/') })
        if (outcome.kind === 'stream') await drain(outcome.chunks)
      }
    : () => router.run(req, route, { signal, headers, log: newRequestLog('b', 'POST', '/') }),
})

async function measure(c: Case, n: number): Promise<Float64Array> {
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await c.run()
    samples[i] = performance.now() - t0
  }
  return samples.sort()
}

const us = (ms: number) => (ms * 1000).toFixed(2).padStart(8)
const quantile = (s: Float64Array, q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!

const cases: Array<[Case, Case]> = [
  [direct(false), routed(routes.get('priority')!, false)],
  [direct(false), routed(routes.get('weighted')!, false)],
  [direct(false), routed(routes.get('lowest-latency')!, false)],
  [direct(false), routed(routes.get('lowest-cost')!, false)],
  [direct(false), routed(routes.get('least-busy')!, false)],
  [direct(true), routed(routes.get('priority')!, true)],
]

console.log(`routing overhead: ${iterations} calls per case after ${warmup} warm-up calls, µs per call`)
console.log(`${'case'.padEnd(40)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}   ${'added p50'.padStart(9)} ${'added p99'.padStart(9)}`)
for (const [base, withRouter] of cases) {
  await measure(base, warmup)
  await measure(withRouter, warmup)
  const b = await measure(base, iterations)
  const r = await measure(withRouter, iterations)
  console.log(`${base.name.padEnd(40)} ${us(quantile(b, 0.5))} ${us(quantile(b, 0.99))}`)
  console.log(
    `${withRouter.name.padEnd(40)} ${us(quantile(r, 0.5))} ${us(quantile(r, 0.99))}   ${us(quantile(r, 0.5) - quantile(b, 0.5)).padStart(9)} ${us(quantile(r, 0.99) - quantile(b, 0.99)).padStart(9)}`,
  )
}
// Attempt timers are cleared as calls finish; nothing should keep the process alive.
