import type { FinishReason } from '../types.js'
import type { AnthropicStopReason } from './anthropic-api.js'

/** Anthropic `stop_reason` → OpenAI `finish_reason`. `null` means the message has not finished (yet). */
export function mapAnthropicStopReason(raw: string | null | undefined): FinishReason | null {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
    // A paused server-tool turn is complete as far as the client can see; it continues by sending it back.
    case 'pause_turn':
      return 'stop'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    case null:
    case undefined:
      return null
    default:
      // A stop reason newer than this code: the answer did end, so say so rather than leave it open.
      return 'stop'
  }
}

/** OpenAI `finish_reason` → Anthropic `stop_reason`. A stream that ended without one ended its turn. */
export function toAnthropicStopReason(reason: FinishReason | null | undefined): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      return 'end_turn'
  }
}
