import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Llama } from 'node-llama-cpp'
import type { ProviderConfig } from '../../config/schema.js'
import { LoadedLlamaModel } from './loaded-llama-model.js'

export type LlamaProviderConfig = Extract<ProviderConfig, { type: 'llama' }>

/** Why a load failed: the file is not there (`missing`), or node-llama-cpp could not load what is there (`invalid`). */
export class ModelLoadError extends Error {
  constructor(
    readonly reason: 'missing' | 'invalid',
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts)
    this.name = 'ModelLoadError'
  }
}

// One llama.cpp binding per process, shared by every llama provider; node-llama-cpp is imported on first
// use only, so a gateway without a llama provider never loads it. CPU only, prebuilt binary only: nothing
// is downloaded or compiled at run time.
let sharedLlama: Promise<Llama> | undefined

function getSharedLlama(): Promise<Llama> {
  sharedLlama ??= import('node-llama-cpp')
    .then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error }))
    .catch((err: unknown) => {
      sharedLlama = undefined
      throw err
    })
  return sharedLlama
}

/**
 * Loads the GGUF at `model_path` (relative paths from the working directory) with one context of
 * `parallel` sequences of `context_size` tokens each, capped at what the model was trained on.
 */
export async function loadLlamaModel(cfg: LlamaProviderConfig): Promise<LoadedLlamaModel> {
  const modelPath = resolve(cfg.model_path)
  const file = await stat(modelPath).catch(() => undefined)
  if (!file?.isFile()) throw new ModelLoadError('missing', `model file not found: ${modelPath}`)
  let llama: Llama
  try {
    llama = await getSharedLlama()
  } catch (err) {
    throw new ModelLoadError('invalid', 'node-llama-cpp could not start (no prebuilt binary for this machine?)', { cause: err })
  }
  const { LlamaChat, resolveChatWrapper } = await import('node-llama-cpp')
  const model = await llama.loadModel({ modelPath }).catch((err: unknown) => {
    throw new ModelLoadError('invalid', `model file could not be loaded: ${modelPath}`, { cause: err })
  })
  try {
    const context = await model.createContext({
      sequences: cfg.parallel,
      contextSize: Math.min(cfg.context_size, model.trainContextSize),
      threads: cfg.threads,
    })
    const chatWrapper = resolveChatWrapper(model)
    const chats = Array.from({ length: cfg.parallel }, () => new LlamaChat({ contextSequence: context.getSequence(), chatWrapper }))
    return new LoadedLlamaModel(llama, model, context, chatWrapper, chats, cfg.threads)
  } catch (err) {
    await model.dispose()
    throw new ModelLoadError('invalid', `could not create a context for ${modelPath}`, { cause: err })
  }
}
