import type { Detection, Recognizer } from '../entity-types.js'

// Labels are bounded and the TLD is letters only, so the pattern cannot backtrack badly on long inputs.
const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g

export const emailRecognizer: Recognizer = {
  name: 'email',
  entity: 'EMAIL_ADDRESS',
  context: ['email', 'e-mail', 'mail', 'contact', 'write to'],
  find(text) {
    if (!text.includes('@')) return []
    const out: Detection[] = []
    for (const m of text.matchAll(EMAIL)) out.push({ entity: 'EMAIL_ADDRESS', start: m.index, end: m.index + m[0].length, score: 0.9, recognizer: 'email' })
    return out
  },
}
