import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { GatewayError } from '../errors.js'
import { hashSecret, sameDigest } from '../keys/secret.js'
import { presentedKey } from './auth.js'

/** Guards /admin: only `auth.admin_key`, sent as `Authorization: Bearer`, compared in constant time. */
export const adminAuth = (adminKey: string): MiddlewareHandler<AppEnv> => {
  const expected = adminKey ? hashSecret(adminKey) : undefined
  return async function adminAuth(c, next) {
    if (!expected) throw new GatewayError(403, 'permission_error', 'admin_disabled', 'The admin API is disabled: set auth.admin_key.')
    const presented = presentedKey(c)
    if (!presented || !sameDigest(hashSecret(presented), expected)) {
      if (c.get('log')) c.get('log').rejected = 'auth'
      throw new GatewayError(401, 'authentication_error', 'invalid_admin_key', 'Incorrect admin key provided.')
    }
    await next()
  }
}
