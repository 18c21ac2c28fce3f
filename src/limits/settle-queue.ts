import type { Store, StoreLogger } from '../store/store.js'
import type { LimitBackend, SettleRequest } from './backend.js'

const MAX_PENDING = 100_000
const RETRY_EVERY_MS = 1000
// Small retry batches: a backlog flushed all at once would queue fresh admissions behind it in Redis.
const RETRY_BATCH = 20
const SEND_BATCH = 64

/**
 * Settles go to the store without the request waiting for them. They wait up to `batchMs` for the next
 * admission and go out just ahead of it, in the same write (the Redis client pipelines commands issued in one
 * tick), so a request costs one write to Redis instead of two, and a released concurrency slot is still
 * released before the next admission is checked. One that fails (store down or slow) waits here and is
 * retried when the store recovers, so counts are not lost to an outage; the store applies each settle once
 * even if a retry follows one that did land.
 */
export class SettleQueue {
  private batch: SettleRequest[] = []
  private batchTimer: NodeJS.Timeout | undefined
  private sending = 0
  private pending: SettleRequest[] = []
  private flushing = false
  private dropped = 0
  /** Runs only while settles are held. */
  private retryTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly backend: LimitBackend,
    private readonly store: Store,
    private readonly logger?: StoreLogger,
    private readonly batchMs = 0,
  ) {}

  submit(req: SettleRequest): void {
    if (this.pending.length > 0) {
      this.hold(req)
      return
    }
    this.batch.push(req)
    if (this.batchMs === 0 || this.batch.length >= SEND_BATCH) this.send()
    else if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => this.send(), this.batchMs)
      this.batchTimer.unref()
    }
  }

  /** Retries held settles in order until one fails again. */
  flush(): void {
    if (this.flushing || this.pending.length === 0) return
    this.flushing = true
    void this.run().finally(() => (this.flushing = false))
  }

  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    this.send()
    while ((this.sending > 0 || this.pending.length > 0) && Date.now() < deadline) {
      this.flush()
      await new Promise((r) => setTimeout(r, 20))
    }
    clearInterval(this.retryTimer)
    this.retryTimer = undefined
  }

  /** Sends the settles gathered so far (before an admission, and when `batchMs` has passed). */
  send(): void {
    clearTimeout(this.batchTimer)
    this.batchTimer = undefined
    if (this.batch.length === 0) return
    const batch = this.batch
    this.batch = []
    for (const req of batch) {
      this.sending++
      this.backend.settle(req).then(
        () => {
          this.sending--
          this.store.reportSuccess()
        },
        (err) => {
          this.sending--
          this.store.reportFailure(err)
          this.hold(req)
        },
      )
    }
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, RETRY_BATCH)
      const results = await Promise.allSettled(batch.map((r) => this.backend.settle(r)))
      const failed = batch.filter((_, i) => results[i]!.status === 'rejected')
      this.pending = [...failed, ...this.pending.slice(batch.length)]
      if (failed.length > 0) {
        this.store.reportFailure((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)
        return
      }
      this.store.reportSuccess()
    }
    clearInterval(this.retryTimer)
    this.retryTimer = undefined
    if (this.dropped > 0) {
      this.logger?.warn({ dropped: this.dropped }, 'usage of some requests was lost: the settle queue overflowed during a store outage')
      this.dropped = 0
    }
  }

  private hold(req: SettleRequest): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift()
      this.dropped++
    }
    this.pending.push(req)
    if (!this.retryTimer) {
      this.retryTimer = setInterval(() => this.flush(), RETRY_EVERY_MS)
      this.retryTimer.unref()
    }
  }
}
