import type { Principal } from '../app-env.js'
import type { CacheConfig } from './config.js'
import type { ChatCompletion } from '../providers/types.js'

/** The tenant partition a request's entries live in, per `cache.scope`. A key without a team falls back to its own partition. */
export function namespaceFor(scope: CacheConfig['scope'], principal: Pick<Principal, 'id' | 'team'>): string {
  if (scope === 'shared') return 'shared'
  if (scope === 'team' && principal.team) return `team:${principal.team}`
  return `key:${principal.id}`
}

/** Only complete, successful answers are worth replaying: every choice stopped normally, without tool calls unless allowed. */
export function isStorable(completion: ChatCompletion, config: Pick<CacheConfig, 'store_tool_calls'>): boolean {
  if (completion.choices.length === 0) return false
  return completion.choices.every((choice) => {
    const calls = choice.message.tool_calls?.length ?? 0
    if (choice.message.refusal) return false
    if (calls > 0) return config.store_tool_calls && choice.finish_reason === 'tool_calls'
    return choice.finish_reason === 'stop' && typeof choice.message.content === 'string' && choice.message.content.length > 0
  })
}
