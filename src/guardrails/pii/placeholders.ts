/** `<EMAIL_ADDRESS_1>`: what a redacted value becomes, per entity type and numbered per request. */
export const PLACEHOLDER = /<([A-Z][A-Z_]*)_(\d{1,6})>/g
/** The longest placeholder the gateway writes, so stream buffers know how much to hold back. */
export const MAX_PLACEHOLDER_LENGTH = 40

export const placeholderFor = (entity: string, n: number): string => `<${entity}_${n}>`

/** Placeholders written by output redaction: unnumbered, so they are never restored to a caller value. */
export const outputPlaceholderFor = (entity: string): string => `<${entity}>`

/** Could `tail` (text after the last "<") still grow into a placeholder? */
export function couldBePlaceholderPrefix(tail: string): boolean {
  return tail.length <= MAX_PLACEHOLDER_LENGTH && /^<(?:[A-Z][A-Z_]*(?:\d{0,6})?)?$/.test(tail)
}

/** Both kinds, numbered or not: text the detectors must leave alone. */
export const ANY_PLACEHOLDER = /<[A-Z][A-Z_]*(?:_\d{1,6})?>/g
