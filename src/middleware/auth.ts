import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, Principal } from '../app-env.js'
import { GatewayError } from '../errors.js'
import { ANONYMOUS, type KeyStore } from '../keys/key-store.js'

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** `Authorization: Bearer <key>` (OpenAI clients) or `x-api-key: <key>` (Anthropic clients). */
export function presentedKey(c: Context): string | undefined {
  const authorization = c.req.header('authorization')
  if (authorization) return BEARER.exec(authorization)?.[1]
  return c.req.header('x-api-key')?.trim() || undefined
}

export function setPrincipal(c: Context<AppEnv>, principal: Principal): void {
  c.set('principal', principal)
  const log = c.get('log')
  log.keyId = principal.id
  log.keyName = principal.name
  log.team = principal.team
}

/**
 * Who is calling. With `auth.mode: none` everyone is `anonymous`; otherwise the key must be a static key
 * from config or a live virtual key. Error bodies never repeat the key.
 */
export const auth = (keys: KeyStore): MiddlewareHandler<AppEnv> => {
  if (keys.mode === 'none') {
    return async function auth(c, next) {
      setPrincipal(c, ANONYMOUS)
      await next()
    }
  }
  return async function auth(c, next) {
    const secret = presentedKey(c)
    if (!secret) {
      c.get('log').rejected = 'auth'
      throw new GatewayError(401, 'authentication_error', 'invalid_api_key', "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.")
    }
    let principal: Principal
    try {
      principal = await keys.authenticate(secret)
    } catch (err) {
      if (err instanceof GatewayError && err.status === 401) c.get('log').rejected = 'auth'
      throw err
    }
    setPrincipal(c, principal)
    await next()
  }
}
