import type { Outcome } from '../outcome.js'
import { mapChunks } from '../outcome.js'
import type { ChatCompletion } from '../providers/types.js'
import { transformChunkText } from './chunk-text-lanes.js'
import type { GuardTrigger } from './guard-request.js'
import type { CompiledPii } from './policy.js'
import type { Detection, EntityType } from './pii/entity-types.js'
import { maskValue } from './pii/mask.js'
import { outputPlaceholderFor } from './pii/placeholders.js'
import { jsonStringContent, restoreText, streamRestorer } from './pii/restore.js'
import { rewriteSpans } from './pii/rewrite.js'
import { streamScanner } from './pii/stream-scanner.js'
import type { PiiVault } from './pii/vault.js'

type Choice = ChatCompletion['choices'][number]

function mapChoices(completion: ChatCompletion, map: (choice: Choice) => Choice): ChatCompletion {
  return { ...completion, choices: completion.choices.map(map) }
}

/** Puts the caller's own values back into the answer (content and tool-call arguments), JSON or stream. */
export function restoreOutcome(outcome: Outcome, vault: PiiVault): Outcome {
  if (outcome.kind === 'json')
    return {
      ...outcome,
      completion: mapChoices(outcome.completion, (choice) => ({
        ...choice,
        message: {
          ...choice.message,
          content: typeof choice.message.content === 'string' ? restoreText(choice.message.content, vault) : choice.message.content,
          ...(choice.message.tool_calls !== undefined && {
            tool_calls: choice.message.tool_calls.map((tc) => ({ ...tc, function: { ...tc.function, arguments: restoreText(tc.function.arguments, vault, jsonStringContent) } })),
          }),
        },
      })),
    }
  return mapChunks(outcome, (chunks) => transformChunkText(chunks, (lane) => streamRestorer(vault, lane.kind === 'tool-arguments' ? jsonStringContent : undefined)))
}

/**
 * Scans the model's answer text for PII and applies the policy's output action: redact (an
 * unnumbered placeholder, never restored), mask, or log. `onTrigger` hears each entity type once.
 */
export function screenOutcome(outcome: Outcome, pii: CompiledPii, onTrigger: (t: GuardTrigger) => void): Outcome {
  const action = pii.outputAction
  if (action === 'off') return outcome
  const seen = new Set<EntityType>()
  const rewrite = (text: string, detections: readonly Detection[]): string => {
    for (const d of detections)
      if (!seen.has(d.entity)) {
        seen.add(d.entity)
        onTrigger({ rule: `output.pii.${d.entity}`, action })
      }
    if (action === 'log') return text
    return rewriteSpans(text, detections, (d, value) => (action === 'redact' ? outputPlaceholderFor(d.entity) : maskValue(d.entity, value)))
  }
  if (outcome.kind === 'json')
    return {
      ...outcome,
      completion: mapChoices(outcome.completion, (choice) => {
        const content = choice.message.content
        if (typeof content !== 'string' || content === '') return choice
        return { ...choice, message: { ...choice.message, content: rewrite(content, pii.detect(content)) } }
      }),
    }
  // Only the answer's text is screened; tool-call arguments pass through so tools keep working.
  return mapChunks(outcome, (chunks) =>
    transformChunkText(chunks, (lane) => (lane.kind === 'content' ? streamScanner(pii.detect, rewrite, pii.lookahead) : { push: (t) => t, flush: () => '' })),
  )
}
