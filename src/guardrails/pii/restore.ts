import { couldBePlaceholderPrefix, PLACEHOLDER } from './placeholders.js'
import type { PiiVault } from './vault.js'

/** Puts the caller's values back in place of the placeholders the vault knows; others stay as written. */
export function restoreText(text: string, vault: PiiVault, encode: (value: string) => string = (v) => v): string {
  if (!text.includes('<')) return text
  return text.replace(PLACEHOLDER, (placeholder) => {
    const value = vault.valueOf(placeholder)
    return value === undefined ? placeholder : encode(value)
  })
}

/** Inside a JSON string (tool-call arguments) a restored value must be escaped as JSON. */
export const jsonStringContent = (value: string): string => JSON.stringify(value).slice(1, -1)

/** A text lane of a stream: text in, text out, and what is still held back at the end. */
export type TextTransformer = { push(text: string): string; flush(): string }

/**
 * Restores placeholders in a streamed text. A placeholder may arrive split across chunks
 * ("<EMAIL_ADD" + "RESS_1>"), so a tail that could still become one is held back (at most the
 * longest placeholder's length) until the next chunk decides it.
 */
export function streamRestorer(vault: PiiVault, encode?: (value: string) => string): TextTransformer {
  let held = ''
  return {
    push(text) {
      const all = held + text
      const lt = all.lastIndexOf('<')
      const cut = lt >= 0 && couldBePlaceholderPrefix(all.slice(lt)) ? lt : all.length
      held = all.slice(cut)
      return restoreText(all.slice(0, cut), vault, encode)
    },
    flush() {
      const rest = held
      held = ''
      return restoreText(rest, vault, encode)
    },
  }
}
