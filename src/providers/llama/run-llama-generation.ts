import type { LlamaChat, LlamaGrammar } from 'node-llama-cpp'
import type { FinishReason, Usage } from '../types.js'
import { mapLlamaStopReason } from './map-llama-stop-reason.js'
import type { LlamaGenerationPlan } from './plan-llama-generation.js'

export type LlamaGenerationResult = { text: string; finishReason: FinishReason; usage: Usage }

export type LlamaGenerationOptions = {
  /** Already fitted to the context, so the sequence never has to shift (drop) tokens mid-answer. */
  maxTokens: number
  grammar: LlamaGrammar | undefined
  /** Aborting stops generation at the next token; the call then rejects with the signal's reason. */
  signal: AbortSignal
  /** Each piece of answer text as it is generated (stop sequences are held back and never show up here). */
  onText?: (text: string) => void
}

/**
 * One answer on one context sequence, which the caller holds exclusively. The sequence starts empty, so
 * nothing of an earlier request leaks in; usage comes from the sequence's token meter: what the model
 * really evaluated as prompt and really generated.
 */
export async function runLlamaGeneration(chat: LlamaChat, plan: LlamaGenerationPlan, opts: LlamaGenerationOptions): Promise<LlamaGenerationResult> {
  const sequence = chat.sequence
  await sequence.clearHistory()
  const before = sequence.tokenMeter.getState()
  const res = await chat.generateResponse(plan.history, {
    maxTokens: opts.maxTokens,
    temperature: plan.temperature,
    topP: plan.topP,
    topK: plan.topK,
    minP: plan.minP,
    seed: plan.seed,
    repeatPenalty: plan.repeatPenalty,
    customStopTriggers: plan.stop.length > 0 ? plan.stop : undefined,
    grammar: opts.grammar,
    signal: opts.signal,
    onTextChunk: opts.onText,
  })
  const after = sequence.tokenMeter.getState()
  const promptTokens = after.usedInputTokens - before.usedInputTokens
  const completionTokens = after.usedOutputTokens - before.usedOutputTokens
  return {
    text: res.response,
    finishReason: mapLlamaStopReason(res.metadata.stopReason),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  }
}
