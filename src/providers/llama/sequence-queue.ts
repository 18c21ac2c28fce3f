/** Thrown by `acquire` when every slot is in use and the wait queue is already full. */
export class QueueFullError extends Error {
  constructor() {
    super('all slots are in use and the wait queue is full')
    this.name = 'QueueFullError'
  }
}

type Waiter<T> = { resolve(slot: T): void; reject(reason: unknown): void; signal: AbortSignal; onAbort(): void }

/**
 * A fixed set of slots (here: context sequences) handed out one request at a time, with a FIFO queue of at
 * most `maxWaiting` requests for when all are busy. A waiting request whose signal aborts leaves the queue
 * at once. A released slot goes straight to the longest waiter, so nobody overtakes the queue.
 */
export class SequenceQueue<T> {
  private readonly free: T[]
  private readonly waiters: Waiter<T>[] = []
  private closedReason: unknown

  constructor(
    private readonly slots: readonly T[],
    private readonly maxWaiting: number,
  ) {
    this.free = [...slots]
  }

  /** Slots handed out right now. */
  get active(): number {
    return this.slots.length - this.free.length
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.waiters.length
  }

  acquire(signal: AbortSignal): Promise<T> {
    if (this.closedReason !== undefined) return Promise.reject(this.closedReason)
    if (signal.aborted) return Promise.reject(signal.reason)
    const slot = this.free.pop()
    if (slot !== undefined) return Promise.resolve(slot)
    if (this.waiters.length >= this.maxWaiting) return Promise.reject(new QueueFullError())
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1)
          reject(signal.reason)
        },
      }
      signal.addEventListener('abort', waiter.onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  release(slot: T): void {
    const next = this.waiters.shift()
    if (!next) {
      this.free.push(slot)
      return
    }
    next.signal.removeEventListener('abort', next.onAbort)
    next.resolve(slot)
  }

  /** Rejects every waiter and all later acquires with `reason`; slots already handed out are released as usual. */
  close(reason: unknown): void {
    this.closedReason = reason
    for (const w of this.waiters.splice(0)) {
      w.signal.removeEventListener('abort', w.onAbort)
      w.reject(reason)
    }
  }
}
