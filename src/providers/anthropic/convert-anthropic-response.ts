import type { ChatCompletion, ToolCall } from '../types.js'
import type { AnthropicResponse, AnthropicToolUseBlock } from './anthropic-api.js'
import { convertAnthropicUsage } from './convert-anthropic-usage.js'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js'

/**
 * An Anthropic message → an OpenAI chat completion. Text blocks are joined, tool_use blocks become
 * tool_calls with their ids. With a `jsonTool` (response_format stand-in), that tool's input is the
 * answer text and the finish reason is `stop`, as OpenAI would report a structured answer.
 * Thinking and server-tool blocks have no OpenAI counterpart and are left out.
 */
export function convertAnthropicResponse(msg: AnthropicResponse, opts: { jsonTool?: string; created: number }): ChatCompletion {
  let text = ''
  const toolCalls: ToolCall[] = []
  let jsonAnswer: string | undefined
  for (const block of msg.content) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text
    } else if (block.type === 'tool_use') {
      const use = block as AnthropicToolUseBlock
      const args = JSON.stringify(use.input ?? {})
      if (opts.jsonTool !== undefined && use.name === opts.jsonTool) jsonAnswer = args
      else toolCalls.push({ id: use.id, type: 'function', function: { name: use.name, arguments: args } })
    }
  }
  let finish = mapAnthropicStopReason(msg.stop_reason)
  if (jsonAnswer !== undefined && finish === 'tool_calls' && toolCalls.length === 0) finish = 'stop'

  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: jsonAnswer ?? (text === '' && toolCalls.length > 0 ? null : text),
  }
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  const completion: ChatCompletion = {
    id: msg.id,
    object: 'chat.completion',
    created: opts.created,
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
  }
  const usage = convertAnthropicUsage(msg.usage)
  if (usage) completion.usage = usage
  return completion
}
