import { z } from 'zod'

/** One price row: USD per million tokens, keyed by the upstream model name (a `*` glob is allowed). */
export const priceEntrySchema = z
  .object({
    model: z.string().min(1),
    input_per_mtok: z.number().nonnegative(),
    output_per_mtok: z.number().nonnegative(),
    /** Price of prompt tokens read from the provider's prompt cache; the input price when left out. */
    cached_input_per_mtok: z.number().nonnegative().optional(),
    context_window: z.number().int().positive().optional(),
  })
  .strict()

/** config/pricing.yaml: where the numbers come from, and the rows. */
export const pricingFileSchema = z
  .object({ source: z.string().optional(), as_of: z.string().optional(), models: z.array(priceEntrySchema) })
  .strict()

export type PriceEntry = z.infer<typeof priceEntrySchema>
