import type { Principal } from '../app-env.js'
import { globMatcher } from '../keys/grant.js'
import type { BudgetCheck, WindowCheck } from './backend.js'
import type { Budget, LimitsConfig, WindowLimits } from './config.js'

/** Everything one (principal, model) pair is limited by, compiled once and reused until either changes. */
export type Plan = {
  windows: WindowCheck[]
  budgets: Array<{ scope: BudgetCheck['scope']; budget: Budget }>
  hasTpm: boolean
  /** The smallest tpm limit that applies (Infinity when none). */
  minTpm: number
}

const plans = new WeakMap<LimitsConfig, WeakMap<Principal, Map<string, Plan>>>()

function pushWindows(out: WindowCheck[], scope: string, l: WindowLimits | undefined): void {
  if (!l) return
  if (l.rpm) out.push({ kind: 'rpm', scope, limit: l.rpm })
  if (l.tpm) out.push({ kind: 'tpm', scope, limit: l.tpm })
  if (l.max_concurrency) out.push({ kind: 'concurrency', scope, limit: l.max_concurrency })
}

/** The key's own limits for one model: an exact entry first, else the first glob that matches. */
function keyModelLimits(principal: Principal, model: string): WindowLimits | undefined {
  const perModel = principal.limits?.models
  if (!perModel) return undefined
  if (perModel[model]) return perModel[model]
  for (const [pattern, l] of Object.entries(perModel)) if (pattern.includes('*') && globMatcher([pattern])(model)) return l
  return undefined
}

/**
 * Scopes: `k:<key id>` (the key), `t:<team>` (its team), `km:<key id>\0<model>` (the model within the key),
 * `m:<model>` (the model across all keys, protecting the upstream quota).
 */
export function planFor(principal: Principal, model: string, limits: LimitsConfig): Plan {
  let byPrincipal = plans.get(limits)
  if (!byPrincipal) plans.set(limits, (byPrincipal = new WeakMap()))
  let byModel = byPrincipal.get(principal)
  if (!byModel) byPrincipal.set(principal, (byModel = new Map()))
  const cached = byModel.get(model)
  if (cached) return cached

  const windows: WindowCheck[] = []
  const budgets: Plan['budgets'] = []
  pushWindows(windows, `k:${principal.id}`, principal.limits)
  if (principal.budget) budgets.push({ scope: `k:${principal.id}`, budget: principal.budget })
  pushWindows(windows, `km:${principal.id}\u0000${model}`, keyModelLimits(principal, model))
  if (principal.team) {
    const team = limits.teams[principal.team]
    pushWindows(windows, `t:${principal.team}`, team)
    if (team?.budget) budgets.push({ scope: `t:${principal.team}`, budget: team.budget })
  }
  pushWindows(windows, `m:${model}`, limits.models[model])
  const tpm = windows.filter((w) => w.kind === 'tpm').map((w) => w.limit)
  const plan = { windows, budgets, hasTpm: tpm.length > 0, minTpm: Math.min(Infinity, ...tpm) }
  byModel.set(model, plan)
  return plan
}
