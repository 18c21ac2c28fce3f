import type { LlamaChatResponse } from 'node-llama-cpp'
import type { FinishReason } from '../types.js'

export type LlamaStopReason = LlamaChatResponse['metadata']['stopReason']

/**
 * node-llama-cpp's stop reason → OpenAI's finish_reason. Only running out of max_tokens is 'length'; the
 * end-of-generation token, the template's own stop text and the client's stop sequences are all 'stop'.
 * (No functions are passed, so 'functionCalls' does not occur; an abort rejects instead of returning.)
 */
export function mapLlamaStopReason(reason: LlamaStopReason): FinishReason {
  return reason === 'maxTokens' ? 'length' : 'stop'
}
