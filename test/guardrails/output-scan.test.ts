import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { screenOutcome } from '../../src/guardrails/guard-response.js'
import { loadGuardrailModels } from '../../src/guardrails/models.js'
import { GuardrailPolicies } from '../../src/guardrails/policy.js'
import { chunkAt, collect, streamOutcome } from './chunk-helpers.js'

const policies = new GuardrailPolicies(loadGuardrailModels())
const piiOf = (pii: Record<string, unknown>) => policies.resolve({ pii }, undefined).pii!

// Values the pattern recognizers always find, whatever surrounds them (separated by spaces).
const SECRETS = ['jane.doe@example.com', '4111 1111 1111 1111', '536-22-8726', 'GB82WEST12345698765432', '203.0.113.7', 'bob@corp.example.org']
// No digits in the filler words: a digit next to a card number can legitimately make a longer valid one.
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', '.', ',', 'é', '-'), minLength: 1, maxLength: 8 })
const sep = fc.constantFrom(' ', '\n', '  ')
const textWithPii = fc.array(fc.tuple(fc.oneof(word, fc.constantFrom(...SECRETS)), sep), { maxLength: 40 }).map((parts) => parts.map(([w, s]) => w + s).join(''))
const cuts = fc.array(fc.nat(), { maxLength: 25 })

describe('streamed output screening', () => {
  it('with action log, the stream is unchanged for every chunking', async () => {
    const pii = piiOf({ output_action: 'log' })
    await fc.assert(
      fc.asyncProperty(textWithPii, cuts, async (text, cs) => {
        const out = await collect(screenOutcome(streamOutcome(chunkAt(text, cs)), pii, () => {}))
        expect(out.content).toBe(text)
        expect(out.finishLast).toBe(true)
      }),
      { numRuns: 150 },
    )
  })

  it('with action redact, every chunking gives the same text as the whole answer, with no value left', async () => {
    const pii = piiOf({ output_action: 'redact', entities: { PERSON: 'off', LOCATION: 'off', STREET_ADDRESS: 'off', PHONE_NUMBER: 'off' } })
    await fc.assert(
      fc.asyncProperty(textWithPii, cuts, async (text, cs) => {
        const whole = await collect(screenOutcome(streamOutcome([text]), pii, () => {}))
        const out = await collect(screenOutcome(streamOutcome(chunkAt(text, cs)), pii, () => {}))
        expect(out.content).toBe(whole.content)
        for (const s of SECRETS) expect(out.content).not.toContain(s)
        expect(out.content.replace(/<[A-Z_]+>/g, '')).toBe(text.replace(new RegExp(SECRETS.map((s) => s.replace(/[.+]/g, '\\$&')).join('|'), 'g'), ''))
      }),
      { numRuns: 150 },
    )
  })

  it('holds back at most the look-ahead, so text keeps flowing during a long answer', async () => {
    const pii = piiOf({ output_action: 'redact', stream_lookahead_chars: 16 })
    const words = Array.from({ length: 50 }, (_, i) => `word${i} `)
    const out = await collect(screenOutcome(streamOutcome(words), pii, () => {}))
    const emittedBeforeEnd = out.chunks.slice(0, -2).map((c) => c.choices[0]?.delta.content ?? '').join('')
    expect(emittedBeforeEnd.length).toBeGreaterThanOrEqual(words.join('').length - 16 - 8)
    expect(out.content).toBe(words.join(''))
  })

  it('masks, and reports each entity type once', async () => {
    const triggers: Array<{ rule: string; action: string }> = []
    const pii = piiOf({ output_action: 'mask' })
    const out = await collect(screenOutcome(streamOutcome(['Card 4111 11', '11 1111 1111 and 4000 0000 0000 0002 ok']), pii, (t) => triggers.push(t)))
    expect(out.content).toBe('Card **** **** **** 1111 and **** **** **** 0002 ok')
    expect(triggers).toEqual([{ rule: 'output.pii.CREDIT_CARD', action: 'mask' }])
  })

  it('screens a JSON answer', () => {
    const pii = piiOf({ output_action: 'redact' })
    const outcome = screenOutcome(
      {
        kind: 'json',
        provider: 'p',
        targetModel: 'm',
        attempts: 1,
        completion: { id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Mail bob@corp.example.org, or <EMAIL_ADDRESS_1>' }, finish_reason: 'stop' }] },
      },
      pii,
      () => {},
    )
    expect(outcome.kind === 'json' && outcome.completion.choices[0]!.message.content).toBe('Mail <EMAIL_ADDRESS>, or <EMAIL_ADDRESS_1>')
  })
})
