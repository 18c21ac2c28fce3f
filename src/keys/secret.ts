import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// Secrets are 32 random bytes; the store keeps only their SHA-256. With that much entropy a plain hash is
// enough (no salt or slow KDF needed): nobody can search the space of possible keys.

const SECRET_PREFIX = 'sk-sy-'

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url')
}

export function generateKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`
}

/** SHA-256 of a secret as hex: what the store keys records by. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Constant-time equality of two hex digests (equal length by construction). */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** What a listing shows to tell keys apart: the prefix and the last four characters, never more. */
export function keyHint(secret: string): string {
  return `${secret.startsWith(SECRET_PREFIX) ? SECRET_PREFIX : ''}…${secret.slice(-4)}`
}
