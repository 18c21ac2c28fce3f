import type { ChatHistoryItem } from 'node-llama-cpp'
import type { ChatMessage, ContentPart } from '../types.js'
import { UnsupportedRequest } from './unsupported-request.js'

/**
 * OpenAI messages → node-llama-cpp chat history, which the model's own chat template (the chat wrapper)
 * renders. System and developer messages stay system items in place; tool calls and tool results become
 * plain text, since the local model is not given tools. The history always ends with a model item: a
 * trailing assistant message is continued (prefill), otherwise an empty one is opened for the answer.
 */
export function convertToLlamaHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = []
  const toolNames = new Map<string, string>()
  for (const [i, m] of messages.entries()) {
    switch (m.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text: textOf(m.content, i) })
        break
      case 'user':
        history.push({ type: 'user', text: textOf(m.content, i) })
        break
      case 'assistant': {
        const parts = m.content == null ? [] : [textOf(m.content, i)]
        for (const call of m.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name)
          parts.push(`Calling tool ${call.function.name} with arguments ${call.function.arguments}`)
        }
        history.push({ type: 'model', response: [parts.filter((p) => p !== '').join('\n')] })
        break
      }
      case 'tool': {
        const name = toolNames.get(m.tool_call_id)
        const who = name ? `Tool ${name}` : `Tool call ${m.tool_call_id}`
        history.push({ type: 'user', text: `${who} returned: ${textOf(m.content, i)}` })
        break
      }
      default:
        throw new UnsupportedRequest(`Messages with role '${(m as { role: string }).role}' are not supported by this local model.`, `messages[${i}].role`)
    }
  }
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] })
  return history
}

/** The text of a message; the local model reads text only, so any other part is refused rather than dropped. */
function textOf(content: string | readonly ContentPart[], index: number): string {
  if (typeof content === 'string') return content
  return content
    .map((part, j) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text
      throw new UnsupportedRequest(`Content parts of type '${part.type}' are not supported by this local model; it reads text only.`, `messages[${index}].content[${j}]`)
    })
    .join('\n')
}
