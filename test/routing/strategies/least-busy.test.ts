import { describe, expect, it } from 'vitest'
import { leastBusyStrategy } from '../../../src/routing/strategies/least-busy.js'
import { chatRequest, makeTargets } from '../helpers/targets.js'

describe('least-busy strategy', () => {
  it('picks the target with the fewest open calls; ties go to the earlier target', () => {
    const targets = makeTargets([{}, {}, {}])
    const req = chatRequest('hi')
    expect(leastBusyStrategy.pick(targets, 0, req, false, true)).toBe(0)
    targets[0]!.health.inFlight = 4
    targets[1]!.health.inFlight = 2
    targets[2]!.health.inFlight = 2
    expect(leastBusyStrategy.pick(targets, 0, req, false, true)).toBe(1)
    expect(leastBusyStrategy.pick(targets, 0b010, req, false, false)).toBe(2)
    expect(leastBusyStrategy.pick(targets, 0b110, req, false, false)).toBe(0)
  })
})
