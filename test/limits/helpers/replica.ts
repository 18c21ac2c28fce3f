import { startTestGateway, type TestGateway } from '../../helpers/gateway.js'
import type { Store } from '../../../src/store/store.js'

/**
 * One gateway replica (the whole app, as src/server.ts builds it); several may share one Redis. It waits for
 * its store, as a replica should before it takes traffic, so a test's first burst is not served by the
 * fail-open fallback.
 */
export type Replica = TestGateway & { store: Store }

export async function startReplica(config: Record<string, unknown>): Promise<Replica> {
  const gw = await startTestGateway({ telemetry: { log_requests: true }, ...config })
  const store = gw.runtime().store
  await store.ready(5000)
  return Object.assign(gw, { store })
}

/** Waits until `check` holds, polling; fails the test after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
