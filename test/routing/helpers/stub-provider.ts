import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Provider } from '../../../src/providers/types.js'
import { UpstreamError } from '../../../src/providers/upstream-error.js'

/** What the stub does for one call. */
export type Step =
  | { kind: 'answer'; content?: string; advanceMs?: number }
  | { kind: 'fail'; status?: number; failure?: 'http' | 'timeout' | 'connection' | 'protocol'; retryAfterMs?: number }
  /** Never answers: the call ends when its signal aborts (timeout or client gone). */
  | { kind: 'hang' }
  /** Streams: headers come, then nothing until the signal aborts. */
  | { kind: 'slow-first-token' }
  /** Streams: this many content chunks, then the upstream fails. */
  | { kind: 'cut'; after: number }
  /** Streams: this many content chunks, then nothing until the signal aborts. */
  | { kind: 'stall'; after: number }

/**
 * An in-process provider scripted per call, for router tests without HTTP. It behaves like the HTTP
 * providers where the router can tell: failures are UpstreamErrors, an aborted call rejects with the
 * signal's reason, streams start with a role chunk and end with a finish chunk.
 */
export type StubProvider = Provider & {
  calls: Array<{ model: string; stream: boolean }>
  /** Calls whose signal was aborted while they were open. */
  aborted: number
  open: number
  next(...steps: Step[]): void
  setDefault(step: Step): void
}

export function stubProvider(name: string, opts: { advance?: (ms: number) => void } = {}): StubProvider {
  let queue: Step[] = []
  let fallback: Step = { kind: 'answer' }
  const self = {
    name,
    type: 'openai',
    calls: [] as StubProvider['calls'],
    aborted: 0,
    open: 0,
    next: (...steps: Step[]) => void queue.push(...steps),
    setDefault: (step: Step) => void (fallback = step),
  }

  const failure = (step: Extract<Step, { kind: 'fail' }>) =>
    new UpstreamError(name, step.failure ?? 'http', `${name} failed`, { status: step.status, retryAfterMs: step.retryAfterMs })

  const untilAborted = (signal: AbortSignal) =>
    new Promise<never>((_, reject) => {
      const onAbort = () => {
        self.aborted++
        reject(signal.reason instanceof Error ? signal.reason : new UpstreamError(name, 'timeout', `${name} call aborted`))
      }
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })

  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: 'stop' | null = null): ChatCompletionChunk => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  })

  async function* streamSteps(step: Step, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
    self.open++
    try {
      yield chunk({ role: 'assistant', content: '' })
      if (step.kind === 'slow-first-token') await untilAborted(signal)
      const words = step.kind === 'answer' ? (step.content ?? `from ${name}`).split(' ') : ['a', 'b', 'c', 'd', 'e']
      for (const [i, w] of words.entries()) {
        if (step.kind === 'cut' && i >= step.after) throw new UpstreamError(name, 'connection', `lost the connection to ${name} mid-answer`)
        if (step.kind === 'stall' && i >= step.after) await untilAborted(signal)
        if (signal.aborted) throw signal.reason
        yield chunk({ content: i === 0 ? w : ` ${w}` })
        await Promise.resolve()
      }
      yield chunk({}, 'stop')
    } finally {
      self.open--
    }
  }

  const provider: Provider = {
    name,
    type: 'openai',
    async chat(_req: Readonly<ChatRequest>, model, ctx): Promise<ChatCompletion> {
      self.calls.push({ model, stream: false })
      const step = queue.shift() ?? fallback
      if (step.kind === 'fail') throw failure(step)
      if (step.kind !== 'answer') {
        self.open++
        try {
          return await untilAborted(ctx.signal)
        } finally {
          self.open--
        }
      }
      if (step.advanceMs) opts.advance?.(step.advanceMs)
      return {
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: step.content ?? `from ${name}` }, finish_reason: 'stop' }],
      }
    },
    async stream(_req, model, ctx) {
      self.calls.push({ model, stream: true })
      const step = queue.shift() ?? fallback
      if (step.kind === 'fail') throw failure(step)
      if (step.kind === 'hang') {
        self.open++
        try {
          return await untilAborted(ctx.signal)
        } finally {
          self.open--
        }
      }
      if (step.kind === 'answer' && step.advanceMs) opts.advance?.(step.advanceMs)
      return streamSteps(step, ctx.signal)
    },
    async embeddings(_req, model) {
      self.calls.push({ model, stream: false })
      const step = queue.shift() ?? fallback
      if (step.kind === 'fail') throw failure(step)
      return { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model, usage: { prompt_tokens: 1, total_tokens: 1 } }
    },
    async listModels() {
      return []
    },
    state: () => 'ready',
    close: async () => undefined,
  }
  return Object.assign(self, provider) as StubProvider
}
