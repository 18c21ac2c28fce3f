import type { ChatMessage, ChatRequest, ContentPart } from '../providers/types.js'
import { scoreInjection } from './injection/detector.js'
import type { CompiledPii, CompiledPolicy } from './policy.js'
import type { EntityType } from './pii/entity-types.js'
import { maskValue } from './pii/mask.js'
import { rewriteSpans } from './pii/rewrite.js'
import { PiiVault } from './pii/vault.js'

export type GuardTrigger = { rule: string; action: string }

export type GuardedRequest = {
  /** The request to send on: the original object when nothing changed, otherwise a new one. */
  request: ChatRequest
  triggers: GuardTrigger[]
  /** Set when a blocking rule fired: the name of that rule. */
  blockedBy: string | undefined
  vault: PiiVault | undefined
}

/** Roles whose text is untrusted input for injection: the user's and tool results (indirect injection). */
const INJECTION_ROLES = new Set(['user', 'tool'])
/** Roles whose text is redacted: everything but the operator's system/developer prompt. */
const PII_ROLES = new Set(['user', 'assistant', 'tool'])

/**
 * Applies a compiled policy to a request: injection first (on the text as sent), then PII.
 * Never mutates `request`; changed messages are copied.
 */
export function guardRequest(policy: CompiledPolicy, request: ChatRequest): GuardedRequest {
  const triggers: GuardTrigger[] = []
  if (policy.injection !== undefined) {
    const { action, threshold } = policy.injection
    const flagged = request.messages.some((m) => INJECTION_ROLES.has(m.role) && messageTexts(m).some((t) => scoreInjection(policy.models.classifier, t).score >= threshold))
    if (flagged) {
      triggers.push({ rule: 'injection', action })
      if (action === 'block') return { request, triggers, blockedBy: 'injection', vault: undefined }
    }
  }
  if (policy.pii === undefined) return { request, triggers, blockedBy: undefined, vault: undefined }
  return redactRequest(policy.pii, request, triggers)
}

function redactRequest(pii: CompiledPii, request: ChatRequest, triggers: GuardTrigger[]): GuardedRequest {
  const vault = new PiiVault()
  const seen = new Set<EntityType>()
  let blockedBy: string | undefined
  // Placeholders and masks are JSON-safe, so the same rewrite serves tool-call arguments (JSON text).
  const rewrite = (text: string): string => {
    const detections = pii.detect(text)
    if (detections.length === 0) return text
    for (const d of detections) {
      const action = pii.actions.get(d.entity)
      if (action === undefined || seen.has(d.entity)) continue
      seen.add(d.entity)
      triggers.push({ rule: `pii.${d.entity}`, action })
      if (action === 'block') blockedBy ??= `pii.${d.entity}`
    }
    return rewriteSpans(text, detections, (d, value) => {
      const action = pii.actions.get(d.entity)
      if (action === 'redact') return vault.placeholder(d.entity, value, pii.restore.has(d.entity))
      if (action === 'mask') return maskValue(d.entity, value)
      return undefined
    })
  }
  let changed = false
  const messages = request.messages.map((m) => {
    if (!PII_ROLES.has(m.role)) return m
    const next = rewriteMessage(m, rewrite)
    if (next !== m) changed = true
    return next
  })
  const out = changed && blockedBy === undefined ? { ...request, messages } : request
  return { request: out, triggers, blockedBy, vault: changed ? vault : undefined }
}

type Rewrite = (text: string) => string

/** The texts of a message that guardrails read: string content, text parts (images and audio are not text). */
export function messageTexts(m: ChatMessage): string[] {
  const content = m.content
  if (typeof content === 'string') return [content]
  if (!Array.isArray(content)) return []
  return (content as ContentPart[]).flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [p.text] : []))
}

function rewriteMessage(m: ChatMessage, rewrite: Rewrite): ChatMessage {
  let next: ChatMessage = m
  if (typeof m.content === 'string') {
    const content = rewrite(m.content)
    if (content !== m.content) next = { ...m, content } as ChatMessage
  } else if (Array.isArray(m.content)) {
    let partsChanged = false
    const parts = (m.content as ContentPart[]).map((p) => {
      if (p.type !== 'text' || typeof p.text !== 'string') return p
      const text = rewrite(p.text)
      if (text === p.text) return p
      partsChanged = true
      return { ...p, text }
    })
    if (partsChanged) next = { ...m, content: parts } as ChatMessage
  }
  if (m.role === 'assistant' && m.tool_calls !== undefined) {
    // Earlier tool calls may carry values the caller got back restored: redact them again, as JSON.
    let callsChanged = false
    const toolCalls = m.tool_calls.map((tc) => {
      const args = rewrite(tc.function.arguments)
      if (args === tc.function.arguments) return tc
      callsChanged = true
      return { ...tc, function: { ...tc.function, arguments: args } }
    })
    if (callsChanged) next = { ...(next as typeof m), tool_calls: toolCalls }
  }
  return next
}
