import type { Detection, Recognizer } from '../entity-types.js'

// Well-known token formats; each is specific enough to stand without context.
const SECRET_PATTERNS: Array<{ name: string; pattern: RegExp; group?: number }> = [
  { name: 'openai-anthropic-key', pattern: /(?<![\w-])sk-(?:[A-Za-z0-9]+-){0,3}[A-Za-z0-9_-]{20,}/g },
  { name: 'aws-access-key', pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g },
  { name: 'aws-secret-key', pattern: /aws_secret_access_key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi, group: 1 },
  { name: 'github-token', pattern: /(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g },
  { name: 'slack-token', pattern: /(?<![\w])xox[abposr]-[A-Za-z0-9-]{10,255}/g },
  { name: 'google-api-key', pattern: /(?<![\w])AIza[0-9A-Za-z_-]{35}/g },
  { name: 'jwt', pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g },
  // The END line is optional so that a key cut short (or still streaming) is caught too.
  {
    name: 'pem-private-key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[A-Za-z0-9+/=\s:,-]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|(?=[^A-Za-z0-9+/=\s:,-])|$)/g,
  },
]

export const secretsRecognizer: Recognizer = {
  name: 'secrets',
  entity: 'SECRET',
  context: [],
  find(text) {
    const out: Detection[] = []
    for (const { name, pattern, group } of SECRET_PATTERNS)
      for (const m of text.matchAll(pattern)) {
        const value = group === undefined ? m[0] : (m[group] ?? '')
        const start = m.index + (group === undefined ? 0 : m[0].lastIndexOf(value))
        out.push({ entity: 'SECRET', start, end: start + value.length, score: 0.95, recognizer: name })
      }
    return out
  },
}
