import type { AnthropicStopReason, AnthropicTextBlock, AnthropicToolUseBlock } from '../../providers/anthropic/anthropic-api.js'
import { type AnthropicWireUsage, toAnthropicUsage } from '../../providers/anthropic/convert-anthropic-usage.js'
import { toAnthropicStopReason } from '../../providers/anthropic/map-anthropic-stop-reason.js'
import type { ChatCompletion } from '../../providers/types.js'

export type MessagesResponse = {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: Array<AnthropicTextBlock | AnthropicToolUseBlock>
  stop_reason: AnthropicStopReason
  stop_sequence: null
  usage: AnthropicWireUsage
}

/** A canonical chat completion → an Anthropic message: text then tool_use blocks, stop_reason and usage. */
export function encodeMessagesResponse(completion: ChatCompletion): MessagesResponse {
  const choice = completion.choices[0]
  const content: MessagesResponse['content'] = []
  const message = choice?.message
  const text = message?.content || message?.refusal
  if (text) content.push({ type: 'text', text })
  for (const call of message?.tool_calls ?? [])
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) })
  return {
    id: anthropicMessageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: toAnthropicStopReason(choice?.finish_reason),
    // OpenAI does not say which stop sequence matched, so there is nothing to report here.
    stop_sequence: null,
    usage: toAnthropicUsage(completion.usage),
  }
}

/** Anthropic message ids start with msg_; an upstream's own id is kept after the prefix. */
export function anthropicMessageId(id: string | undefined): string {
  if (!id) return `msg_${crypto.randomUUID().replaceAll('-', '')}`
  return id.startsWith('msg_') ? id : `msg_${id}`
}

/**
 * Anthropic clients expect the tool input as an object. OpenAI models very rarely emit arguments that are
 * not a JSON object; those become an empty input rather than a response the client cannot read.
 */
function toolInput(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>
  } catch {
    // fall through
  }
  return {}
}
