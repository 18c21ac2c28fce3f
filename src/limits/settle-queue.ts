import type { Store, StoreLogger } from '../store/store.js'
import type { LimitBackend, SettleRequest } from './backend.js'

const MAX_PENDING = 100_000
const FLUSH_EVERY_MS = 1000
// Small batches: a backlog flushed all at once would queue fresh admissions behind it in Redis.
const FLUSH_BATCH = 20

/**
 * Settles go to the store without the request waiting for them. One that fails (store down or slow) waits
 * here and is retried when the store recovers, so counts are not lost to an outage; the store applies each
 * settle once even if a retry follows one that did land.
 */
export class SettleQueue {
  private pending: SettleRequest[] = []
  private flushing = false
  private dropped = 0
  /** Runs only while settles are held. */
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly backend: LimitBackend,
    private readonly store: Store,
    private readonly logger?: StoreLogger,
  ) {}

  submit(req: SettleRequest): void {
    if (this.pending.length > 0) {
      this.hold(req)
      return
    }
    this.backend.settle(req).then(
      () => this.store.reportSuccess(),
      (err) => {
        this.store.reportFailure(err)
        this.hold(req)
      },
    )
  }

  /** Retries held settles in order until one fails again. */
  flush(): void {
    if (this.flushing || this.pending.length === 0) return
    this.flushing = true
    void this.run().finally(() => (this.flushing = false))
  }

  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.pending.length > 0 && Date.now() < deadline) {
      this.flush()
      await new Promise((r) => setTimeout(r, 50))
    }
    this.stopTimer()
  }

  private stopTimer(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, FLUSH_BATCH)
      const results = await Promise.allSettled(batch.map((r) => this.backend.settle(r)))
      const failed = batch.filter((_, i) => results[i]!.status === 'rejected')
      this.pending = [...failed, ...this.pending.slice(batch.length)]
      if (failed.length > 0) {
        this.store.reportFailure((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)
        return
      }
      this.store.reportSuccess()
    }
    this.stopTimer()
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
    if (!this.timer) {
      this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS)
      this.timer.unref()
    }
  }
}
