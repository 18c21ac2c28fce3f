import { createHash } from 'node:crypto'
import type { ChatMessage, ChatRequest } from '../providers/types.js'

/** Fields that change how an answer is delivered, not what it is: they never split the cache. */
const DELIVERY_FIELDS = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier'])

/** JSON with sorted object keys, so equal requests hash equally whatever order their fields came in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/** A message's text when it is text only (a string or text parts); undefined when it carries images or other parts. */
export function messageText(message: ChatMessage): string | undefined {
  const content = message.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return undefined
  const texts: string[] = []
  for (const part of content) {
    if (part.type !== 'text' || typeof (part as { text?: unknown }).text !== 'string') return undefined
    texts.push((part as { text: string }).text)
  }
  return texts.join('\n')
}

export type RequestKeys = {
  /** Hash of the whole request (within its namespace and guardrail policy): the exact-cache key. */
  exact: string
  /**
   * Hash of everything but the last user message: model, system prompt, earlier turns, tools,
   * response format, sampling parameters, policy. A semantic match is only looked for within it.
   */
  scope: string
  /** The last user message's text, when the request may be matched semantically. */
  query?: string
  userTurns: number
}

/** Hashes only: no prompt text ever becomes part of a key. Each part is serialised once and feeds both hashes. */
export function requestKeys(request: Readonly<ChatRequest>, namespace: string, policyId: string): RequestKeys {
  const body: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(request)) if (!DELIVERY_FIELDS.has(k) && k !== 'messages') body[k] = v
  const messages = request.messages
  const last = messages[messages.length - 1]
  const head = `${canonicalJson({ namespace, policyId, body })}|${canonicalJson(messages.slice(0, -1))}`
  const scope = createHash('sha256').update('scope|').update(head)
  const exact = createHash('sha256').update('exact|').update(head).update('|').update(canonicalJson(last ?? null))
  const query = last?.role === 'user' ? messageText(last) : undefined
  return { exact: exact.digest('base64url'), scope: scope.digest('base64url'), query, userTurns: messages.filter((m) => m.role === 'user').length }
}
