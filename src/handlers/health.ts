import type { Handler } from 'hono'
import type { AppEnv } from '../app-env.js'
import type { Runtime } from '../runtime.js'

export const healthz = (): Handler<AppEnv> =>
  function healthz(c) {
    return c.json({ status: 'ok' })
  }

/**
 * Ready when at least one configured model has a provider that can serve it. Lists each provider's state
 * (ready, not_configured, unreachable, model_missing, loading) so an operator sees why not.
 */
export const readyz = (rt: Runtime): Handler<AppEnv> =>
  function readyz(c) {
    const providers = Object.fromEntries([...rt.providers].map(([name, p]) => [name, { type: p.type, state: p.state() }]))
    const models = Object.fromEntries(
      [...rt.models.values()].map((m) => [m.name, m.route.targets.some((t) => t.provider.state() === 'ready') ? 'ready' : 'unavailable']),
    )
    const ready = Object.values(models).includes('ready')
    return c.json({ status: ready ? 'ready' : 'unavailable', providers, models }, ready ? 200 : 503)
  }
