import { describe, expect, it } from 'vitest'
import { QueueFullError, SequenceQueue } from '../../../src/providers/llama/sequence-queue.js'

const never = new AbortController().signal

describe('SequenceQueue', () => {
  it('hands out free slots at once, then serves waiters first come first served', async () => {
    const q = new SequenceQueue(['s1'], 4)
    const first = await q.acquire(never)
    const order: string[] = []
    const b = q.acquire(never).then((s) => order.push(`b:${s}`))
    const c = q.acquire(never).then((s) => order.push(`c:${s}`))
    expect({ active: q.active, waiting: q.waiting }).toEqual({ active: 1, waiting: 2 })
    q.release(first)
    await b
    q.release('s1')
    await c
    expect(order).toEqual(['b:s1', 'c:s1'])
    q.release('s1')
    expect({ active: q.active, waiting: q.waiting }).toEqual({ active: 0, waiting: 0 })
  })

  it('refuses beyond max waiting', async () => {
    const q = new SequenceQueue(['s1'], 1)
    await q.acquire(never)
    void q.acquire(never)
    await expect(q.acquire(never)).rejects.toBeInstanceOf(QueueFullError)
  })

  it('drops a waiter whose signal aborts, at once, and skips it when a slot frees up', async () => {
    const q = new SequenceQueue(['s1'], 4)
    const held = await q.acquire(never)
    const gone = new AbortController()
    const leaving = q.acquire(gone.signal)
    const staying = q.acquire(never)
    gone.abort(new Error('client left'))
    await expect(leaving).rejects.toThrow('client left')
    expect(q.waiting).toBe(1)
    q.release(held)
    await expect(staying).resolves.toBe('s1')
  })

  it('rejects waiters and later acquires once closed', async () => {
    const q = new SequenceQueue(['s1'], 4)
    await q.acquire(never)
    const waiting = q.acquire(never)
    q.close(new Error('closed'))
    await expect(waiting).rejects.toThrow('closed')
    await expect(q.acquire(never)).rejects.toThrow('closed')
  })
})
