import { describe, expect, it } from 'vitest'
import { ChunkChannel } from '../../../src/providers/llama/chunk-channel.js'

describe('ChunkChannel', () => {
  it('delivers pushed items in order, waiting for ones not pushed yet, then ends', async () => {
    const ch = new ChunkChannel<number>(async () => undefined)
    ch.push(1)
    const later = (async () => {
      const got: number[] = []
      for await (const n of ch) got.push(n)
      return got
    })()
    await Promise.resolve()
    ch.push(2)
    ch.end()
    expect(await later).toEqual([1, 2])
  })

  it('delivers what was queued before a failure, then rejects with it', async () => {
    const ch = new ChunkChannel<number>(async () => undefined)
    ch.push(1)
    ch.fail(new Error('generation failed'))
    await expect(ch.next()).resolves.toEqual({ done: false, value: 1 })
    await expect(ch.next()).rejects.toThrow('generation failed')
  })

  it('return() runs the cancel hook and resolves only after it finished; later pushes are dropped', async () => {
    const events: string[] = []
    let finishProducer!: () => void
    const producerStopped = new Promise<void>((r) => (finishProducer = r))
    const ch = new ChunkChannel<number>(async () => {
      events.push('cancel')
      await producerStopped
      events.push('producer stopped')
    })
    ch.push(1)
    const closing = ch.return().then(() => events.push('return resolved'))
    ch.push(2)
    finishProducer()
    await closing
    expect(events).toEqual(['cancel', 'producer stopped', 'return resolved'])
    await expect(ch.next()).resolves.toEqual({ done: true, value: undefined })
  })
})
