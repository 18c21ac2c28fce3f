import type { Principal } from '../app-env.js'

// What the key store knows about a principal beyond the shared Principal type: whether it is a virtual key
// (so admissions check its record version in the store), its version and expiry, and its compiled model globs.
// Kept beside the principal object rather than on it, so it never travels into logs or responses.

export type Grant = {
  virtual: boolean
  version: number
  /** ms since epoch; 0 for never. */
  expiresAt: number
  allows(model: string): boolean
}

const grants = new WeakMap<Principal, Grant>()

export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.includes('*')) return () => true
  const exact = new Set(patterns.filter((p) => !p.includes('*')))
  const globs = patterns
    .filter((p) => p.includes('*'))
    .map((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`))
  return (name) => exact.has(name) || globs.some((g) => g.test(name))
}

export function grantPrincipal(principal: Principal, grant: Omit<Grant, 'allows'>): Principal {
  grants.set(principal, { ...grant, allows: globMatcher(principal.models) })
  return principal
}

/** The grant of a principal the key store made; one built elsewhere (tests, anonymous) gets one from its fields. */
export function grantOf(principal: Principal): Grant {
  let g = grants.get(principal)
  if (!g) {
    g = { virtual: false, version: 0, expiresAt: 0, allows: globMatcher(principal.models) }
    grants.set(principal, g)
  }
  return g
}

export function isModelAllowed(principal: Principal, model: string): boolean {
  return grantOf(principal).allows(model)
}
