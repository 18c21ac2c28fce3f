import cluster from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'

// With server.workers > 1 the workers share one port, so a scrape lands on any one of them. That worker asks
// the primary, which collects every worker's registry over the cluster channel (prom-client's
// AggregatorRegistry: counters and histograms summed, gauges by their aggregator) and hands back the total.

const REQUEST = 'switchyard:metrics-request'
const RESPONSE = 'switchyard:metrics-response'
// prom-client gives up on silent workers after 5 s; past this, the scraping worker answers on its own.
const PRIMARY_TIMEOUT_MS = 6000

type Response = { type: typeof RESPONSE; id: number; text?: string; error?: string }

/** In the primary of a cluster: serves the workers' aggregated metrics to whichever worker is scraped. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry()
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== REQUEST || typeof message.id !== 'number') return
    const id = message.id
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id, text } satisfies Response),
      (err: Error) => worker.send({ type: RESPONSE, id, error: err.message } satisfies Response),
    )
  })
}

/**
 * How a scrape reads the metrics: the local registry, or in a cluster worker the whole cluster's. A worker whose
 * primary does not answer (no serveClusterMetrics there) falls back to its own metrics and says so.
 */
export function metricsSource(registry: Registry, onFallback: (reason: string) => void): () => Promise<string> {
  if (!cluster.isWorker || !process.send) return () => registry.metrics()
  // Registers this worker's answer to the primary's collection round, for this registry.
  new AggregatorRegistry()
  AggregatorRegistry.setRegistries([registry])
  const pending = new Map<number, (response: Response) => void>()
  let nextId = 0
  process.on('message', (message: Response) => {
    if (message?.type === RESPONSE) pending.get(message.id)?.(message)
  })
  return () =>
    new Promise<Response>((resolve) => {
      const id = nextId++
      const timer = setTimeout(() => resolve({ type: RESPONSE, id, error: 'the primary did not answer' }), PRIMARY_TIMEOUT_MS)
      pending.set(id, (response) => {
        clearTimeout(timer)
        resolve(response)
      })
      process.send!({ type: REQUEST, id })
    }).then((response) => {
      pending.delete(response.id)
      if (response.text !== undefined) return response.text
      onFallback(response.error ?? 'no answer')
      return registry.metrics()
    })
}
