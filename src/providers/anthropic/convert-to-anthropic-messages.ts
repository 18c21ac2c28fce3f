import type { ChatMessage, ContentPart, TextPart, ToolCall } from '../types.js'
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from './anthropic-api.js'
import { UnsupportedFeatureError } from './unsupported-feature-error.js'

export type AnthropicPrompt = { system: AnthropicTextBlock[]; messages: AnthropicMessageParam[]; warnings: string[] }

/**
 * OpenAI chat messages → Anthropic `system` + `messages`.
 * - system and developer messages become top-level system blocks, in order (Anthropic has no system turns);
 * - tool messages become `tool_result` blocks in a user turn, ids kept;
 * - consecutive turns of the same role are merged, with tool results first in a user turn as Anthropic requires;
 * - empty text is dropped (Anthropic rejects empty text blocks).
 * Throws UnsupportedFeatureError for content Anthropic cannot take (audio, files).
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicPrompt {
  const system: AnthropicTextBlock[] = []
  const turns: AnthropicMessageParam[] = []
  const warnings: string[] = []
  let seenConversation = false

  messages.forEach((msg, i) => {
    const at = `messages[${i}]`
    switch (msg.role) {
      case 'system':
      case 'developer':
        if (seenConversation) warnings.push(`${at}: ${msg.role} message after the conversation started was moved into the system prompt`)
        system.push(...textBlocks(msg.content))
        return
      case 'user':
        seenConversation = true
        return append(turns, 'user', userBlocks(msg.content, at), warnings, at)
      case 'assistant':
        seenConversation = true
        return append(turns, 'assistant', [...textBlocks(msg.content ?? ''), ...toolUseBlocks(msg.tool_calls ?? [], at)], warnings, at)
      case 'tool':
        seenConversation = true
        return append(turns, 'user', [toolResultBlock(msg.tool_call_id, msg.content)], warnings, at)
    }
  })

  for (const turn of turns) if (turn.role === 'user') turn.content = toolResultsFirst(turn.content)
  if (turns.length === 0) throw new UnsupportedFeatureError('Anthropic needs at least one user or assistant message', 'messages')
  return { system, messages: turns, warnings }
}

function append(turns: AnthropicMessageParam[], role: 'user' | 'assistant', blocks: AnthropicContentBlock[], warnings: string[], at: string): void {
  if (blocks.length === 0) {
    warnings.push(`${at}: empty ${role} message was dropped`)
    return
  }
  const last = turns.at(-1)
  if (last && last.role === role) last.content.push(...blocks)
  else turns.push({ role, content: blocks })
}

function textBlocks(content: string | TextPart[] | null): AnthropicTextBlock[] {
  if (content === null) return []
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : []
  return content.filter((p) => p.text).map((p) => ({ type: 'text', text: p.text }))
}

function userBlocks(content: string | ContentPart[], at: string): AnthropicContentBlock[] {
  if (typeof content === 'string') return textBlocks(content)
  const blocks: AnthropicContentBlock[] = []
  content.forEach((part, j) => {
    if (part.type === 'text') {
      const text = (part as TextPart).text
      if (text) blocks.push({ type: 'text', text })
    } else if (part.type === 'image_url') {
      blocks.push(imageBlock((part as { image_url: { url: string } }).image_url.url, `${at}.content[${j}]`))
    } else {
      throw new UnsupportedFeatureError(`content part type '${part.type}' is not supported by Anthropic`, `${at}.content[${j}].type`)
    }
  })
  return blocks
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s

/** data: URLs carry the image inline (base64 source); http(s) URLs are fetched by Anthropic (url source). */
function imageBlock(url: string, at: string): AnthropicImageBlock {
  const m = DATA_URL.exec(url)
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1]!, data: m[2]! } }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } }
  throw new UnsupportedFeatureError('image_url must be an http(s) URL or a base64 data: URL', `${at}.image_url.url`)
}

function toolUseBlocks(calls: ToolCall[], at: string): AnthropicToolUseBlock[] {
  return calls.map((call, j) => ({
    type: 'tool_use',
    id: call.id,
    name: call.function.name,
    input: parseArguments(call.function.arguments, `${at}.tool_calls[${j}].function.arguments`),
  }))
}

/** Anthropic wants the tool input as an object; OpenAI carries it as a JSON string ('' for no arguments). */
function parseArguments(args: string, at: string): Record<string, unknown> {
  if (args.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(args)
  } catch {
    throw new UnsupportedFeatureError('tool call arguments must be valid JSON', at)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UnsupportedFeatureError('tool call arguments must be a JSON object', at)
  return parsed as Record<string, unknown>
}

function toolResultBlock(toolCallId: string, content: string | TextPart[]): AnthropicToolResultBlock {
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: toolCallId }
  if (typeof content === 'string') {
    if (content) block.content = content
  } else {
    const texts = textBlocks(content)
    if (texts.length > 0) block.content = texts
  }
  return block
}

function toolResultsFirst(blocks: AnthropicContentBlock[]): AnthropicContentBlock[] {
  const results = blocks.filter((b) => b.type === 'tool_result')
  if (results.length === 0 || results.length === blocks.length) return blocks
  return [...results, ...blocks.filter((b) => b.type !== 'tool_result')]
}
