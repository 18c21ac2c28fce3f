import { badRequest } from '../../errors.js'
import type { ChatMessage, ChatRequest, ContentPart, TextPart, ToolCall, ToolChoice } from '../../providers/types.js'
import { type ContentBlock, describeIssue, type MessagesRequest, messagesRequestSchema } from './messages-request-schema.js'

/**
 * An Anthropic Messages request → the canonical (OpenAI chat) request.
 * - `system` becomes a leading system message;
 * - tool_result blocks become tool messages (ids kept), placed before the rest of their user turn, as
 *   OpenAI needs tool answers right after the assistant's tool calls; images inside a tool result join
 *   the user message that follows (OpenAI tool messages hold text only);
 * - tool_use blocks become assistant tool_calls, their input serialized as the arguments string;
 * - `output_config.format` (structured output) becomes `response_format: json_schema`.
 * Thinking blocks, cache_control, top_k and `is_error` have no canonical form and are left out.
 * Throws GatewayError(400) with `param` naming the bad field.
 */
export function decodeMessagesRequest(body: unknown): ChatRequest {
  const parsed = messagesRequestSchema.safeParse(body)
  if (!parsed.success) {
    const { param, message } = describeIssue(parsed.error.issues[0]!)
    throw badRequest(param ? `${param}: ${message}` : `Invalid request body: ${message}`, param || null)
  }
  return toChatRequest(parsed.data)
}

function toChatRequest(req: MessagesRequest): ChatRequest {
  const messages: ChatMessage[] = []
  if (typeof req.system === 'string' ? req.system : req.system?.length)
    messages.push({ role: 'system', content: typeof req.system === 'string' ? req.system : req.system!.map(text) })
  req.messages.forEach((m, i) => {
    if (typeof m.content === 'string') messages.push({ role: m.role, content: m.content })
    else if (m.role === 'user') messages.push(...userMessages(m.content, `messages.${i}.content`))
    else messages.push(assistantMessage(m.content, `messages.${i}.content`))
  })

  const out: ChatRequest = { model: req.model, messages, max_completion_tokens: req.max_tokens }
  if (req.stream) {
    out.stream = true
    // The Anthropic stream reports usage in message_delta, so it is always needed from the upstream.
    out.stream_options = { include_usage: true }
  }
  if (req.stop_sequences?.length) out.stop = req.stop_sequences
  if (req.temperature !== undefined) out.temperature = req.temperature
  if (req.top_p !== undefined) out.top_p = req.top_p
  if (req.metadata?.user_id) out.user = req.metadata.user_id
  if (req.tools?.length) {
    out.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema },
    }))
    if (req.tool_choice) {
      out.tool_choice = toolChoice(req.tool_choice)
      if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use) out.parallel_tool_calls = false
    }
  }
  const format = req.output_config?.format
  if (format) out.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: format.schema, strict: true } }
  return out
}

function toolChoice(choice: NonNullable<MessagesRequest['tool_choice']>): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto'
    case 'any':
      return 'required'
    case 'none':
      return 'none'
    case 'tool':
      return { type: 'function', function: { name: choice.name } }
  }
}

function userMessages(blocks: ContentBlock[], at: string): ChatMessage[] {
  const toolMessages: ChatMessage[] = []
  const parts: ContentPart[] = []
  blocks.forEach((b, j) => {
    switch (b.type) {
      case 'text':
        parts.push(text(b))
        return
      case 'image':
        parts.push(image(b))
        return
      case 'tool_result': {
        const content = b.content ?? ''
        if (typeof content === 'string') {
          toolMessages.push({ role: 'tool', tool_call_id: b.tool_use_id, content })
          return
        }
        const texts: TextPart[] = []
        for (const c of content) {
          if (c.type === 'text') texts.push(text(c))
          else parts.push(image(c))
        }
        toolMessages.push({ role: 'tool', tool_call_id: b.tool_use_id, content: texts })
        return
      }
      default:
        throw badRequest(`${at}.${j}.type: '${b.type}' blocks belong in assistant messages`, `${at}.${j}.type`)
    }
  })
  return parts.length > 0 ? [...toolMessages, { role: 'user', content: parts }] : toolMessages
}

function assistantMessage(blocks: ContentBlock[], at: string): ChatMessage {
  let content = ''
  const toolCalls: ToolCall[] = []
  blocks.forEach((b, j) => {
    if (b.type === 'text') content += b.text
    else if (b.type === 'tool_use') toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } })
    else if (b.type === 'image' || b.type === 'tool_result')
      throw badRequest(`${at}.${j}.type: '${b.type}' blocks belong in user messages`, `${at}.${j}.type`)
    // thinking and redacted_thinking: the model's own scratch work, with no canonical form.
  })
  if (toolCalls.length === 0) return { role: 'assistant', content }
  return { role: 'assistant', content: content || null, tool_calls: toolCalls }
}

const text = (b: { text: string }): TextPart => ({ type: 'text', text: b.text })

function image(b: Extract<ContentBlock, { type: 'image' }>): ContentPart {
  const url = b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url
  return { type: 'image_url', image_url: { url } }
}
