import { randomUUID } from 'node:crypto'
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../types.js'
import type { LlamaGenerationResult } from './run-llama-generation.js'

type Delta = ChatCompletionChunk['choices'][number]['delta']

/** Builds the OpenAI-shaped objects of one answer: all chunks of a stream share its id, time and model. */
export class LlamaResponses {
  private readonly id = `chatcmpl-${randomUUID().replaceAll('-', '')}`
  private readonly created = Math.floor(Date.now() / 1000)

  constructor(private readonly model: string) {}

  completion(result: LlamaGenerationResult): ChatCompletion {
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, message: { role: 'assistant', content: result.text, refusal: null }, finish_reason: result.finishReason, logprobs: null }],
      usage: result.usage,
    }
  }

  /** The opening chunk, as OpenAI sends it: the role and empty content. */
  roleChunk(): ChatCompletionChunk {
    return this.chunk({ role: 'assistant', content: '' }, null)
  }

  textChunk(text: string): ChatCompletionChunk {
    return this.chunk({ content: text }, null)
  }

  finishChunk(reason: FinishReason): ChatCompletionChunk {
    return this.chunk({}, reason)
  }

  /** The last chunk: no choices, only usage (OpenAI's `stream_options.include_usage`; the codec drops it for clients that did not ask). */
  usageChunk(usage: Usage): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage }
  }

  private chunk(delta: Delta, finish: FinishReason | null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }
  }
}
