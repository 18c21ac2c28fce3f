import type { Provider } from '../../../src/providers/types.js'
import { CircuitBreaker } from '../../../src/routing/circuit-breaker.js'
import type { Target } from '../../../src/routing/plan.js'
import { TargetHealth } from '../../../src/routing/target-health.js'

const breakerOptions = { enabled: true, consecutiveFailures: 5, failureRatio: 0.5, minRequests: 20, windowMs: 30_000, cooldownMs: 10_000, maxCooldownMs: 60_000 }

/** Bare targets for strategy tests: only the fields a strategy reads are meaningful. */
export function makeTargets(specs: Array<Partial<Pick<Target, 'weight' | 'price' | 'contextWindow' | 'model'>>>): Target[] {
  return specs.map((s, i) => {
    const model = s.model ?? `m${i}`
    const provider = { name: `p${i}`, type: 'openai' } as Provider
    return {
      id: `p${i}/${model}`,
      provider,
      model,
      weight: s.weight ?? 1,
      price: s.price,
      contextWindow: s.contextWindow,
      health: new TargetHealth({ route: 'test', id: `p${i}/${model}`, provider: `p${i}`, model }, new CircuitBreaker(breakerOptions)),
    }
  })
}

export const chatRequest = (text: string, extra: Record<string, unknown> = {}) => ({ model: 'm', messages: [{ role: 'user' as const, content: text }], ...extra })
