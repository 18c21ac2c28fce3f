/**
 * Pushes from a producer (generation callbacks) become an async iterator for the consumer. Items queue up
 * when the consumer is slower. `return()` (a consumer that stops early, e.g. the client went away) runs
 * `onCancel`, which stops the producer, and resolves only once it has: nothing keeps running behind it.
 */
export class ChunkChannel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = []
  private ended = false
  private failure: { error: unknown } | undefined
  private cancelled = false
  private wake: (() => void) | undefined

  constructor(private readonly onCancel: () => Promise<void>) {}

  push(item: T): void {
    if (this.ended || this.cancelled) return
    this.items.push(item)
    this.signal()
  }

  end(): void {
    this.ended = true
    this.signal()
  }

  /** The producer failed: items already queued are still delivered, then `next()` rejects with `error`. */
  fail(error: unknown): void {
    if (this.ended) return
    this.failure = { error }
    this.ended = true
    this.signal()
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.cancelled) return { done: true, value: undefined }
      const item = this.items.shift()
      if (item !== undefined) return { done: false, value: item }
      if (this.failure) throw this.failure.error
      if (this.ended) return { done: true, value: undefined }
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.cancelled) {
      this.cancelled = true
      this.items.length = 0
      this.signal()
      await this.onCancel()
    }
    return { done: true, value: undefined }
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  private signal(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}
