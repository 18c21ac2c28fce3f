import { readFileSync } from 'node:fs'
import { closedLoop, openLoop, type Request, type Sample } from './drive.js'
import { MAIN_KEY, STORM_KEYS, stormKey } from './load-config.js'

/** The same prompts k6 uses (load-tests/k6/switchyard.js). */
const prompts = JSON.parse(readFileSync(new URL('../prompts.json', import.meta.url), 'utf8')) as { steady: string; cache: string[][] }

export type ScenarioContext = {
  gatewayUrl: string
  seconds: number
  rate: number
  concurrency: number
  /** Kills the failover model's first upstream (the `doomed` fake). */
  killDoomedUpstream(): void
}

export type Scenario = { name: string; run(ctx: ScenarioContext): Promise<Sample[]> }

const chat = (ctx: ScenarioContext, model: string, content: string, key = MAIN_KEY, stream = false): Request => ({
  url: `${ctx.gatewayUrl}/v1/chat/completions`,
  headers: { authorization: `Bearer ${key}` },
  body: JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: 32, ...(stream ? { stream: true } : {}) }),
})

export const scenarios: Scenario[] = [
  {
    // Fixed arrival rate, as production traffic arrives regardless of how fast answers come back.
    name: 'steady-chat',
    run: (ctx) => openLoop(ctx.rate, ctx.seconds, () => chat(ctx, 'chat', prompts.steady)),
  },
  {
    name: 'streaming',
    run: (ctx) => closedLoop(ctx.concurrency, ctx.seconds, () => chat(ctx, 'chat', prompts.steady, MAIN_KEY, true)),
  },
  {
    // Each question group cycles through its phrasings: the first is a miss, later ones exact or semantic hits.
    name: 'cache-repeats-paraphrases',
    run: (ctx) =>
      closedLoop(ctx.concurrency, ctx.seconds, (i) => {
        const group = prompts.cache[i % prompts.cache.length]!
        return chat(ctx, 'chat-cached', group[Math.floor(i / prompts.cache.length) % group.length]!)
      }),
  },
  {
    // Many keys at once, each far over its own rpm: most answers are 429 with Retry-After.
    name: 'rate-limit-storm',
    run: (ctx) => closedLoop(ctx.concurrency, ctx.seconds, (i) => chat(ctx, 'chat', prompts.steady, stormKey(i % STORM_KEYS))),
  },
  {
    // The first target's process is killed a third of the way in; retries and fallback should hide it.
    name: 'failover',
    run: (ctx) => {
      let killed = false
      return closedLoop(
        ctx.concurrency,
        ctx.seconds,
        () => chat(ctx, 'chat-failover', prompts.steady),
        (elapsedMs) => {
          if (!killed && elapsedMs >= (ctx.seconds * 1000) / 3) {
            killed = true
            ctx.killDoomedUpstream()
          }
        },
      )
    },
  },
]
