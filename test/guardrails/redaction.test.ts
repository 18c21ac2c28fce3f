import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { guardRequest } from '../../src/guardrails/guard-request.js'
import { loadGuardrailModels } from '../../src/guardrails/models.js'
import { GuardrailPolicies } from '../../src/guardrails/policy.js'
import { PLACEHOLDER } from '../../src/guardrails/pii/placeholders.js'
import { restoreText, streamRestorer } from '../../src/guardrails/pii/restore.js'
import { PiiVault } from '../../src/guardrails/pii/vault.js'
import type { ChatRequest } from '../../src/providers/types.js'

const policies = new GuardrailPolicies(loadGuardrailModels())
const policy = (pii: Record<string, unknown>) => policies.resolve({ pii }, undefined)

describe('input redaction', () => {
  it('gives the same value the same placeholder across messages, and never mutates the request', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Support desk, write to help@corp.example' },
        { role: 'user', content: 'Mail jane@example.com or jane@example.com, not bob@example.org' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'send', arguments: '{"to":"jane@example.com"}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'sent to jane@example.com' },
      ],
    }
    const frozen = structuredClone(request)
    const out = guardRequest(policy({ action: 'redact' }), request)
    expect(request).toEqual(frozen)
    const msgs = out.request.messages
    expect(msgs[0]!.content).toBe('Support desk, write to help@corp.example') // the operator's prompt is not the caller's data
    expect(msgs[1]!.content).toBe('Mail <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_1>, not <EMAIL_ADDRESS_2>')
    expect((msgs[2] as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments).toBe('{"to":"<EMAIL_ADDRESS_1>"}')
    expect(msgs[3]!.content).toBe('sent to <EMAIL_ADDRESS_1>')
    expect(out.triggers).toEqual([{ rule: 'pii.EMAIL_ADDRESS', action: 'redact' }])
    expect(restoreText('reply to <EMAIL_ADDRESS_2>', out.vault!)).toBe('reply to bob@example.org')
  })

  it('masks, logs or blocks per entity type', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111, ssn 536-22-8726, ip 10.1.2.3' }] }
    const out = guardRequest(policy({ action: 'log', entities: { CREDIT_CARD: 'mask', US_SSN: 'redact' } }), request)
    expect(out.request.messages[0]!.content).toBe('card **** **** **** 1111, ssn <US_SSN_1>, ip 10.1.2.3')
    expect(out.triggers).toEqual(
      expect.arrayContaining([
        { rule: 'pii.CREDIT_CARD', action: 'mask' },
        { rule: 'pii.US_SSN', action: 'redact' },
        { rule: 'pii.IP_ADDRESS', action: 'log' },
      ]),
    )
    const blocked = guardRequest(policy({ entities: { CREDIT_CARD: 'block' } }), request)
    expect(blocked.blockedBy).toBe('pii.CREDIT_CARD')
    expect(blocked.request).toBe(request)
  })

  it('redacts text parts and leaves image parts alone', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'me: a@b.io' }, { type: 'image_url', image_url: { url: 'https://x/a@b.io.png' } }] }],
    }
    const out = guardRequest(policy({}), request)
    expect(out.request.messages[0]!.content).toEqual([{ type: 'text', text: 'me: <EMAIL_ADDRESS_1>' }, { type: 'image_url', image_url: { url: 'https://x/a@b.io.png' } }])
  })

  it('restores only the entity types restore_output lists', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'a@b.io and 536-22-8726' }] }
    const out = guardRequest(policy({ restore_output: ['EMAIL_ADDRESS'] }), request)
    expect(restoreText('<EMAIL_ADDRESS_1> <US_SSN_1>', out.vault!)).toBe('a@b.io <US_SSN_1>')
  })
})

describe('streamed restore', () => {
  const vault = new PiiVault()
  const values = ['jane@example.com', 'Ann "Q" O\'Neil', '+41 44 668 18 00']
  const placeholders = values.map((v, i) => vault.placeholder(i === 0 ? 'EMAIL_ADDRESS' : i === 1 ? 'PERSON' : 'PHONE_NUMBER', v, true))

  /** Text made of plain words, placeholders, and things that look like the start of one. */
  const piece = fc.oneof(
    fc.constantFrom(...placeholders),
    fc.constantFrom('<', '<EMAIL', '<EMAIL_ADDRESS_9>', 'a < b', '<<', '>', '<PERSON_'),
    fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '1', '_', 'E') }),
  )

  it('restores placeholders split anywhere across chunks, without dropping, duplicating or reordering text', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), (pieces, cuts) => {
        const text = pieces.join('')
        const expected = restoreText(text, vault)
        const bounds = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
        const chunks: string[] = []
        let at = 0
        for (const b of [...bounds, text.length]) {
          chunks.push(text.slice(at, b))
          at = b
        }
        const r = streamRestorer(vault)
        const out = chunks.map((c) => r.push(c)).join('') + r.flush()
        expect(out).toBe(expected)
        expect(out.match(PLACEHOLDER)?.filter((p) => vault.valueOf(p) !== undefined) ?? []).toEqual([])
      }),
      { numRuns: 500 },
    )
  })

  it('escapes restored values inside JSON strings (tool-call arguments)', () => {
    const r = streamRestorer(vault, (v) => JSON.stringify(v).slice(1, -1))
    const out = r.push('{"name":"<PER') + r.push('SON_1>"}') + r.flush()
    expect(JSON.parse(out)).toEqual({ name: 'Ann "Q" O\'Neil' })
  })
})
