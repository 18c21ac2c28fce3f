import { describe, expect, it } from 'vitest'
import { priorityStrategy } from '../../../src/routing/strategies/priority.js'
import { chatRequest, makeTargets } from '../helpers/targets.js'

describe('priority strategy', () => {
  it('takes targets in config order, skipping tried or open ones', () => {
    const targets = makeTargets([{}, {}, {}])
    const req = chatRequest('hi')
    expect(priorityStrategy.pick(targets, 0, req, false, true)).toBe(0)
    expect(priorityStrategy.pick(targets, 0b001, req, false, false)).toBe(1)
    expect(priorityStrategy.pick(targets, 0b011, req, false, false)).toBe(2)
    expect(priorityStrategy.pick(targets, 0b111, req, false, false)).toBe(-1)
  })
})
