import type { PriceEntry } from './config.js'

/** Token counts of one answered request. `inputTokens` includes the cached ones, as OpenAI reports them. */
export type TokenCounts = { inputTokens: number; outputTokens: number; cachedInputTokens?: number }

/** USD per million tokens for one model, and its context window when known. */
export type ModelPrice = {
  inputPerMtok: number
  outputPerMtok: number
  cachedInputPerMtok: number
  contextWindow: number | undefined
}

export interface Pricing {
  /** The price row for an upstream model name; models served by a local `llama` provider always cost 0. */
  lookup(model: string, providerType?: string): ModelPrice | undefined
  /** Cost in USD, or undefined when the model has no price (never a silent 0). */
  priceOf(model: string, usage: TokenCounts, providerType?: string): number | undefined
  contextWindow(model: string): number | undefined
}

const FREE: ModelPrice = { inputPerMtok: 0, outputPerMtok: 0, cachedInputPerMtok: 0, contextWindow: undefined }
// gpt-4o-2024-08-06, claude-3-haiku-20240307: dated snapshots are priced like their alias when not listed.
const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/
const MEMO_LIMIT = 10_000

function toPrice(e: PriceEntry): ModelPrice {
  return {
    inputPerMtok: e.input_per_mtok,
    outputPerMtok: e.output_per_mtok,
    cachedInputPerMtok: e.cached_input_per_mtok ?? e.input_per_mtok,
    contextWindow: e.context_window,
  }
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
}

/** Builds the lookup once per config load; later rows override earlier ones for the same model. */
export function createPricing(entries: readonly PriceEntry[]): Pricing {
  const exact = new Map<string, ModelPrice>()
  const globs: Array<{ pattern: RegExp; price: ModelPrice }> = []
  for (const e of entries) {
    if (e.model.includes('*')) globs.unshift({ pattern: globToRegExp(e.model), price: toPrice(e) })
    else exact.set(e.model, toPrice(e))
  }
  const memo = new Map<string, ModelPrice | null>()

  function resolve(model: string): ModelPrice | undefined {
    const direct = exact.get(model)
    if (direct) return direct
    const undated = model.replace(DATE_SUFFIX, '')
    const alias = undated !== model ? exact.get(undated) : undefined
    if (alias) return alias
    return globs.find((g) => g.pattern.test(model))?.price
  }

  function lookup(model: string, providerType?: string): ModelPrice | undefined {
    if (providerType === 'llama') return FREE
    const known = memo.get(model)
    if (known !== undefined) return known ?? undefined
    const price = resolve(model)
    if (memo.size < MEMO_LIMIT) memo.set(model, price ?? null)
    return price
  }

  return {
    lookup,
    priceOf(model, usage, providerType) {
      const p = lookup(model, providerType)
      if (!p) return undefined
      const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens)
      return ((usage.inputTokens - cached) * p.inputPerMtok + cached * p.cachedInputPerMtok + usage.outputTokens * p.outputPerMtok) / 1e6
    },
    contextWindow: (model) => lookup(model)?.contextWindow,
  }
}
