import type { Handler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { circuitReport } from '../routing/circuit-report.js'
import type { Runtime } from '../runtime.js'

export const healthz = (): Handler<AppEnv> =>
  function healthz(c) {
    return c.json({ status: 'ok' })
  }

/**
 * Ready when at least one configured model has a provider that can serve it. Lists each provider's state
 * (ready, not_configured, unreachable, model_missing, loading) so an operator sees why not, and each model's
 * targets with their circuit (closed, open, half-open). Open circuits do not make the gateway unready: an
 * upstream outage looks the same from every replica, taking them out of the load balancer would only replace
 * the upstream's error with a connection error, and the router still tries the target that recovers first.
 */
// An unreachable upstream is shown, but does not make the replica unready: every replica sees the same upstream,
// so pulling them all out of the load balancer would turn a provider blip into a full outage.
const SERVABLE = new Set(['ready', 'unreachable'])

export const readyz = (rt: Runtime): Handler<AppEnv> =>
  function readyz(c) {
    const providers = Object.fromEntries([...rt.providers].map(([name, p]) => [name, { type: p.type, state: p.state() }]))
    const models = Object.fromEntries(
      [...rt.models.values()].map((m) => [m.name, m.route.targets.some((t) => SERVABLE.has(t.provider.state())) ? 'ready' : 'unavailable']),
    )
    const now = rt.router.now()
    const circuits = Object.fromEntries([...rt.models.values()].map((m) => [m.name, circuitReport(m.route, now)]))
    const ready = Object.values(models).includes('ready')
    // A degraded store is reported, not fatal: limits then follow limits.on_store_error.
    const store = rt.store.state()
    return c.json({ status: ready ? 'ready' : 'unavailable', store, providers, models, circuits }, ready ? 200 : 503)
  }
