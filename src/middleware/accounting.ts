import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { mapChunks, type Outcome } from '../outcome.js'
import type { Pricing } from '../pricing/price-table.js'
import type { ChatCompletion, ChatCompletionChunk, Provider, Usage } from '../providers/types.js'
import type { RequestLog } from '../request-log.js'
import { capturedBodies, type CapturedBodies } from '../telemetry/captured-bodies.js'

export type AccountingOptions = {
  /** The price table of this config load; without one, cost is left to whoever has it. */
  pricing: Pricing | undefined
  /** Provider name → provider, for the type (a local `llama` provider costs nothing). */
  providers: ReadonlyMap<string, Pick<Provider, 'type'>>
  /** `telemetry.log_bodies`: keep the prompt and the answer for the request's log line. */
  captureBodies: boolean
}

/**
 * Writes what the answer cost into the request log: tokens from the upstream's usage (the JSON completion, or a
 * stream's usage chunk, which the gateway always asks upstreams for), the finish reason, and the price of those
 * tokens. Fields another step already filled are kept. For streams the numbers are taken when the stream ends
 * for any reason, so a client that leaves early is accounted for what it was sent. Cache hits consumed no
 * upstream tokens and are not counted.
 */
export const accounting = (opts: AccountingOptions): MiddlewareHandler<AppEnv> => {
  const { pricing, providers, captureBodies } = opts

  const record = (log: RequestLog, outcome: Outcome, usage: Usage | null | undefined) => {
    if (!usage) return
    log.inputTokens ??= usage.prompt_tokens
    log.outputTokens ??= usage.completion_tokens
    const cached = usage.prompt_tokens_details?.cached_tokens
    if (cached !== undefined) log.cachedInputTokens ??= cached
    if (log.costUsd !== undefined || !pricing) return
    log.costUsd = pricing.priceOf(
      outcome.targetModel,
      { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cachedInputTokens: cached },
      providers.get(outcome.provider)?.type,
    )
  }

  return async function accounting(c, next) {
    const log = c.get('log')
    const bodies = captureBodies ? capturedBodies(log) : undefined
    if (bodies) bodies.messages = c.get('request').messages
    await next()
    if (c.error) return
    const outcome = c.get('outcome')
    const billable = outcome.cache !== 'hit' && outcome.cache !== 'semantic-hit'
    if (outcome.kind === 'json') {
      log.finishReason ??= outcome.completion.choices[0]?.finish_reason ?? undefined
      if (billable) record(log, outcome, outcome.completion.usage)
      if (bodies) bodies.answer = answerOf(outcome.completion)
      return
    }
    c.set('outcome', mapChunks(outcome, (chunks) => meterStream(chunks, log, bodies, (usage) => billable && record(log, outcome, usage))))
  }
}

async function* meterStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
  log: RequestLog,
  bodies: CapturedBodies | undefined,
  onEnd: (usage: Usage | undefined) => void,
): AsyncGenerator<ChatCompletionChunk> {
  let usage: Usage | undefined
  const answer = bodies ? new StreamedAnswer() : undefined
  try {
    for await (const chunk of chunks) {
      if (chunk.usage) usage = chunk.usage
      for (const choice of chunk.choices) if (choice.finish_reason) log.finishReason ??= choice.finish_reason
      answer?.add(chunk)
      yield chunk
    }
  } finally {
    onEnd(usage)
    if (bodies && answer) bodies.answer = [answer.value()]
  }
}

function answerOf(completion: ChatCompletion): NonNullable<CapturedBodies['answer']> {
  return completion.choices.map((choice) => ({
    content: choice.message.content,
    ...(choice.message.tool_calls && { tool_calls: choice.message.tool_calls.map((t) => ({ name: t.function.name, arguments: t.function.arguments })) }),
  }))
}

/** The first choice of a streamed answer, put back together (only built with log_bodies on). */
class StreamedAnswer {
  private readonly text: string[] = []
  private readonly tools = new Map<number, { name: string; arguments: string }>()

  add(chunk: ChatCompletionChunk): void {
    const delta = chunk.choices.find((choice) => choice.index === 0)?.delta
    if (!delta) return
    if (delta.content) this.text.push(delta.content)
    for (const call of delta.tool_calls ?? []) {
      const tool = this.tools.get(call.index) ?? { name: '', arguments: '' }
      if (call.function?.name) tool.name += call.function.name
      if (call.function?.arguments) tool.arguments += call.function.arguments
      this.tools.set(call.index, tool)
    }
  }

  value(): NonNullable<CapturedBodies['answer']>[number] {
    return { content: this.text.join(''), ...(this.tools.size && { tool_calls: [...this.tools.values()] }) }
  }
}
