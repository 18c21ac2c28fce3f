import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { PriceEntry } from './config.js'
import { pricingFileSchema } from './config.js'
import { createPricing, type Pricing } from './price-table.js'

/** The price table shipped with the gateway, used when the configured file is the default and not beside gateway.yaml. */
export const BUNDLED_PRICING_FILE = fileURLToPath(new URL('../../config/pricing.yaml', import.meta.url))

export function readPricingFile(path: string): PriceEntry[] {
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`pricing_file ${path}: ${(err as Error).message}`)
  }
  const parsed = pricingFileSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`pricing_file ${path}: ${issue.path.join('.')}: ${issue.message}`)
  }
  return parsed.data.models
}

/**
 * The price table for one config load: rows from `pricing_file` (relative to the config file's folder; empty
 * string for none), then the inline `pricing:` rows, which override the file's row for the same model.
 */
export function loadPricing(cfg: { pricing?: PriceEntry[]; pricing_file: string }, configDir: string): Pricing {
  let fileRows: PriceEntry[] = []
  if (cfg.pricing_file) {
    const path = isAbsolute(cfg.pricing_file) ? cfg.pricing_file : resolve(configDir, cfg.pricing_file)
    if (existsSync(path)) fileRows = readPricingFile(path)
    else if (cfg.pricing_file === 'pricing.yaml') fileRows = readPricingFile(BUNDLED_PRICING_FILE)
    else throw new Error(`pricing_file ${path} does not exist`)
  }
  return createPricing([...fileRows, ...(cfg.pricing ?? [])])
}
