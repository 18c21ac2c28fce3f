import type { Detection, Recognizer } from '../entity-types.js'

// scheme://user:password@host: the span is `user:password`, so the host stays readable.
const URL_WITH_CREDENTIALS = /\b[a-z][a-z0-9+.-]{0,15}:\/\/([^\s:@/]{1,256}:[^\s@/]{1,256})@/gi

export const urlCredentialsRecognizer: Recognizer = {
  name: 'url-credentials',
  entity: 'URL_CREDENTIALS',
  context: [],
  find(text) {
    if (!text.includes('://')) return []
    const out: Detection[] = []
    for (const m of text.matchAll(URL_WITH_CREDENTIALS)) {
      const start = m.index + m[0].indexOf('//') + 2
      out.push({ entity: 'URL_CREDENTIALS', start, end: start + (m[1]?.length ?? 0), score: 0.95, recognizer: 'url-credentials' })
    }
    return out
  },
}
