import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUNDLED_PRICING_FILE, loadPricing, readPricingFile } from '../../src/pricing/load-pricing.js'
import { createPricing } from '../../src/pricing/price-table.js'

describe('price table', () => {
  const pricing = createPricing([
    { model: 'gpt-4o-mini', input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075, context_window: 128_000 },
    { model: 'claude-*', input_per_mtok: 3, output_per_mtok: 15 },
  ])

  it('prices input, cached input and output per million tokens', () => {
    const cost = pricing.priceOf('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 400_000 })
    expect(cost).toBeCloseTo(0.6 * 0.15 + 0.4 * 0.075 + 0.6, 12)
    expect(pricing.contextWindow('gpt-4o-mini')).toBe(128_000)
  })

  it('prices a dated snapshot like its alias, a glob row, and a local model at zero', () => {
    expect(pricing.lookup('gpt-4o-mini-2024-07-18')?.inputPerMtok).toBe(0.15)
    expect(pricing.lookup('claude-opus-9')?.cachedInputPerMtok).toBe(3)
    expect(pricing.priceOf('stories260K', { inputTokens: 1e6, outputTokens: 1e6 }, 'llama')).toBe(0)
  })

  it('says undefined, never 0, for a model without a price', () => {
    expect(pricing.priceOf('mystery-model', { inputTokens: 10, outputTokens: 10 })).toBeUndefined()
  })
})

describe('pricing data', () => {
  it('ships the main OpenAI and Anthropic models, derived from the shared price data', () => {
    const rows = new Map(readPricingFile(BUNDLED_PRICING_FILE).map((r) => [r.model, r]))
    expect(rows.get('gpt-4o-mini')).toEqual({ model: 'gpt-4o-mini', input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075, context_window: 128_000 })
    expect(rows.get('gpt-4o')).toMatchObject({ input_per_mtok: 2.5, output_per_mtok: 10 })
    expect(rows.get('claude-sonnet-4-5')).toMatchObject({ input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3 })
    expect(rows.get('claude-haiku-4-5')).toBeDefined()
  })

  it('lets inline pricing rows override the file, and finds the file beside the config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-pricing-'))
    writeFileSync(join(dir, 'prices.yaml'), 'models:\n  - { model: m1, input_per_mtok: 1, output_per_mtok: 2 }\n  - { model: m2, input_per_mtok: 5, output_per_mtok: 5 }\n')
    const p = loadPricing({ pricing_file: 'prices.yaml', pricing: [{ model: 'm2', input_per_mtok: 7, output_per_mtok: 8 }] }, dir)
    expect(p.lookup('m1')?.outputPerMtok).toBe(2)
    expect(p.lookup('m2')).toMatchObject({ inputPerMtok: 7, outputPerMtok: 8 })
    expect(() => loadPricing({ pricing_file: 'missing.yaml' }, dir)).toThrow(/does not exist/)
    // The default name falls back to the bundled table when the config folder has none.
    expect(loadPricing({ pricing_file: 'pricing.yaml' }, dir).lookup('gpt-4o-mini')).toBeDefined()
    expect(loadPricing({ pricing_file: '' }, dir).lookup('gpt-4o-mini')).toBeUndefined()
  })

  it('names the bad row of a broken pricing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-pricing-'))
    writeFileSync(join(dir, 'bad.yaml'), 'models:\n  - { model: m1, input_per_mtok: -1, output_per_mtok: 2 }\n')
    expect(() => loadPricing({ pricing_file: 'bad.yaml' }, dir)).toThrow(/models\.0\.input_per_mtok/)
  })
})
