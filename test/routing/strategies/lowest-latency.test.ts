import { describe, expect, it } from 'vitest'
import { lowestLatencyStrategy } from '../../../src/routing/strategies/lowest-latency.js'
import { seededRandom } from '../helpers/seeded-random.js'
import { chatRequest, makeTargets } from '../helpers/targets.js'

const req = chatRequest('hi')

describe('lowest-latency strategy', () => {
  it('tries unmeasured targets first, then the one with the lowest moving average', () => {
    const targets = makeTargets([{}, {}, {}])
    const strategy = lowestLatencyStrategy(() => 0.99, 0.05)
    targets[0]!.health.observeLatency(false, 200)
    expect(strategy.pick(targets, 0, req, false, true)).toBe(1)
    targets[1]!.health.observeLatency(false, 50)
    targets[2]!.health.observeLatency(false, 120)
    expect(strategy.pick(targets, 0, req, false, true)).toBe(1)
    // The fallback order follows latency too.
    expect(strategy.pick(targets, 0b010, req, false, false)).toBe(2)
  })

  it('ranks streams by time to first token and JSON by whole-answer time', () => {
    const targets = makeTargets([{}, {}])
    const strategy = lowestLatencyStrategy(() => 0.99, 0.05)
    targets[0]!.health.observeLatency(false, 100)
    targets[0]!.health.observeLatency(true, 900)
    targets[1]!.health.observeLatency(false, 500)
    targets[1]!.health.observeLatency(true, 200)
    expect(strategy.pick(targets, 0, req, false, true)).toBe(0)
    expect(strategy.pick(targets, 0, req, true, true)).toBe(1)
  })

  it('moves to a target once it has become faster', () => {
    const targets = makeTargets([{}, {}])
    const strategy = lowestLatencyStrategy(() => 0.99, 0.05)
    targets[0]!.health.observeLatency(false, 50)
    targets[1]!.health.observeLatency(false, 400)
    expect(strategy.pick(targets, 0, req, false, true)).toBe(0)
    for (let i = 0; i < 20; i++) {
      targets[0]!.health.observeLatency(false, 600)
      targets[1]!.health.observeLatency(false, 40)
    }
    expect(strategy.pick(targets, 0, req, false, true)).toBe(1)
  })

  it('sends about the exploration share of first picks to a random target, and none of the fallbacks', () => {
    const targets = makeTargets([{}, {}])
    targets[0]!.health.observeLatency(false, 10)
    targets[1]!.health.observeLatency(false, 1_000)
    const strategy = lowestLatencyStrategy(seededRandom(3), 0.1)
    const n = 50_000
    let slow = 0
    for (let i = 0; i < n; i++) if (strategy.pick(targets, 0, req, false, true) === 1) slow++
    // Half of the explored picks land on the slow target: 5 %.
    expect(slow / n).toBeCloseTo(0.05, 2)
    for (let i = 0; i < 1_000; i++) expect(strategy.pick(targets, 0, req, false, false)).toBe(0)
  })
})
