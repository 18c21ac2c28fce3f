import type { LlamaChat, LlamaGrammar } from 'node-llama-cpp'
import type { CallContext, ChatCompletionChunk, ChatRequest, Provider, ProviderState } from '../types.js'
import { UpstreamError } from '../upstream-error.js'
import { ChunkChannel } from './chunk-channel.js'
import { embedWithLlama } from './embed-with-llama.js'
import { contextLengthExceeded, generationFailed, modelBusy, modelUnavailable, unsupportedByLlama } from './llama-errors.js'
import { LlamaResponses } from './llama-responses.js'
import { type LlamaProviderConfig, loadLlamaModel, ModelLoadError } from './load-llama-model.js'
import type { LoadedLlamaModel } from './loaded-llama-model.js'
import { type LlamaGenerationPlan, planLlamaGeneration } from './plan-llama-generation.js'
import { type LlamaGenerationResult, runLlamaGeneration } from './run-llama-generation.js'
import { QueueFullError, SequenceQueue } from './sequence-queue.js'
import { UnsupportedRequest } from './unsupported-request.js'

/** The llama provider also tells how busy it is: sequences generating now and requests waiting for one. */
export type LlamaProvider = Provider & { queue(): { active: number; waiting: number } }

/** A request that holds a sequence and is about to generate on it. */
type Admitted = { chat: LlamaChat; queue: SequenceQueue<LlamaChat>; plan: LlamaGenerationPlan; maxTokens: number; grammar: LlamaGrammar | undefined }

type Tracked<T> = { done: Promise<T>; stop(reason: unknown): void }

type Serving = { loaded: LoadedLlamaModel; queue: SequenceQueue<LlamaChat> }

/**
 * A GGUF model running inside the gateway process through node-llama-cpp. The model loads in the background
 * from creation on (state `loading`, then `ready`); a missing file leaves the provider `model_missing` and
 * every request a 503, while the gateway runs on. Requests take one of `parallel` context sequences, or wait
 * for one in a FIFO queue of at most `max_queue`; the call's signal stops generation at the next token.
 */
export function createLlamaProvider(cfg: LlamaProviderConfig): LlamaProvider {
  const name = cfg.name
  let serving: Serving | undefined
  let loading: Promise<void> | undefined
  let failure: ModelLoadError | undefined
  let closed = false
  /** Generations and embedding calls in flight: close() stops them and waits for them before disposing the model. */
  const inFlight = new Map<AbortController, Promise<unknown>>()

  const startLoading = (): Promise<void> =>
    (loading = loadLlamaModel(cfg)
      .then(
        async (loaded) => {
          if (closed) return loaded.dispose()
          serving = { loaded, queue: new SequenceQueue(loaded.chats, cfg.max_queue) }
          failure = undefined
        },
        (err: unknown) => {
          failure = err instanceof ModelLoadError ? err : new ModelLoadError('invalid', 'model could not be loaded', { cause: err })
        },
      )
      .finally(() => (loading = undefined)))
  void startLoading()

  async function ready(signal: AbortSignal): Promise<Serving> {
    // A file that was missing may have been put in place since: each request looks again (one stat).
    if (!serving && !loading && !closed && failure?.reason === 'missing') void startLoading()
    if (loading) await untilAborted(loading, signal)
    if (closed) throw modelUnavailable(name, 'closed')
    if (serving) return serving
    throw modelUnavailable(name, failure?.reason ?? 'invalid', failure)
  }

  /** Everything that can refuse a request happens here, before any token is generated; resolves holding a sequence. */
  async function admit(req: Readonly<ChatRequest>, ctx: CallContext): Promise<Admitted> {
    const plan = refuseUnsupported(name, () => planLlamaGeneration(req, cfg.default_max_tokens))
    const { loaded, queue } = await ready(ctx.signal)
    const promptTokens = loaded.countPromptTokens(plan.history)
    const room = loaded.contextSize - promptTokens
    if (room <= 0) throw contextLengthExceeded(name, promptTokens, loaded.contextSize)
    const grammar = await refuseUnsupported(name, () => loaded.grammarFor(plan.format))
    const chat = await queue.acquire(ctx.signal).catch((err: unknown) => {
      throw err instanceof QueueFullError ? modelBusy(name) : err
    })
    return { chat, queue, plan, maxTokens: Math.min(plan.maxTokens, room), grammar }
  }

  /**
   * Runs `work` under its own controller, aborted by the caller's signal, by `stop`, or by close(), which
   * also waits for it. (Not AbortSignal.any: combining with the long-lived close signal leaks in Node.)
   */
  function track<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Tracked<T> {
    const controller = new AbortController()
    if (closed) controller.abort(modelUnavailable(name, 'closed'))
    const onAbort = () => controller.abort(signal.reason)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    const done = work(controller.signal).finally(() => {
      signal.removeEventListener('abort', onAbort)
      inFlight.delete(controller)
    })
    inFlight.set(controller, done)
    return { done, stop: (reason) => controller.abort(reason) }
  }

  /** Generates on the admitted sequence and gives it back when done, failed or stopped. */
  function generate(admitted: Admitted, signal: AbortSignal, onText?: (text: string) => void): Tracked<LlamaGenerationResult> {
    return track(signal, (stopped) =>
      runLlamaGeneration(admitted.chat, admitted.plan, { maxTokens: admitted.maxTokens, grammar: admitted.grammar, signal: stopped, onText })
        .catch((err: unknown) => {
          throw stopped.aborted ? stopped.reason : generationFailed(name, err)
        })
        .finally(() => admitted.queue.release(admitted.chat)),
    )
  }

  return {
    name,
    type: cfg.type,
    async chat(req, model, ctx) {
      const admitted = await admit(req, ctx)
      const result = await generate(admitted, ctx.signal).done
      return new LlamaResponses(model).completion(result)
    },
    async stream(req, model, ctx) {
      const admitted = await admit(req, ctx)
      const responses = new LlamaResponses(model)
      // The consumer stopping early (client gone, router done) stops generation and waits until it has.
      const channel = new ChunkChannel<ChatCompletionChunk>(async () => {
        run.stop(new Error('stream closed by its consumer'))
        await run.done.catch(() => undefined)
      })
      channel.push(responses.roleChunk())
      const run = generate(admitted, ctx.signal, (text) => {
        if (text !== '') channel.push(responses.textChunk(text))
      })
      run.done.then(
        (result) => {
          channel.push(responses.finishChunk(result.finishReason))
          channel.push(responses.usageChunk(result.usage))
          channel.end()
        },
        (err: unknown) => channel.fail(err),
      )
      return channel
    },
    async embeddings(req, model, ctx) {
      const { loaded } = await ready(ctx.signal)
      const context = await loaded.embeddingContext().catch((err: unknown) => {
        throw new UpstreamError(name, 'http', `The local model of provider '${name}' cannot produce embeddings.`, {
          status: 400,
          retryable: false,
          code: 'unsupported_operation',
          type: 'invalid_request_error',
          cause: err,
        })
      })
      return track(ctx.signal, (signal) => refuseUnsupported(name, () => embedWithLlama(context, loaded.contextSize, req, model, signal))).done
    },
    async listModels() {
      return ['default']
    },
    state(): ProviderState {
      if (serving) return 'ready'
      if (loading) return 'loading'
      return failure?.reason === 'missing' ? 'model_missing' : 'unreachable'
    },
    queue() {
      return { active: serving?.queue.active ?? 0, waiting: serving?.queue.waiting ?? 0 }
    },
    async close() {
      closed = true
      serving?.queue.close(modelUnavailable(name, 'closed'))
      for (const controller of inFlight.keys()) controller.abort(modelUnavailable(name, 'closed'))
      await loading
      await Promise.allSettled(inFlight.values())
      const loaded = serving?.loaded
      serving = undefined
      await loaded?.dispose()
    },
  }
}

/** Runs `fn` (sync or async), turning an UnsupportedRequest it throws into the provider's non-retryable 400. */
function refuseUnsupported<T>(provider: string, fn: () => T): T {
  const refuse = (err: unknown): never => {
    throw err instanceof UnsupportedRequest ? unsupportedByLlama(provider, err.message, err.param) : err
  }
  try {
    const value = fn()
    return (value instanceof Promise ? value.catch(refuse) : value) as T
  } catch (err) {
    return refuse(err)
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
