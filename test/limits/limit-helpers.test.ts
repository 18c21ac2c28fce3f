import { describe, expect, it } from 'vitest'
import { budgetPeriod } from '../../src/limits/budget-period.js'
import { readFileSync } from 'node:fs'
import { approxTokens, chatDemand, countTextTokens, embeddingsDemand, estimateInputTokens, estimateOutputTokens, reservedOutputTokens } from '../../src/limits/estimate-tokens.js'
import type { ChatRequest } from '../../src/providers/types.js'
import { formatDuration, rateLimitHeaders } from '../../src/limits/rate-limit-headers.js'
import { bucketsFor, DAY_MS, HOUR_MS, parseField, rowField } from '../../src/limits/usage-buckets.js'

describe('rate-limit headers', () => {
  it('formats resets as OpenAI does (Go durations)', () => {
    expect(formatDuration(20)).toBe('20ms')
    expect(formatDuration(1000)).toBe('1s')
    expect(formatDuration(1500)).toBe('1.5s')
    expect(formatDuration(360_000)).toBe('6m0s')
    expect(formatDuration(90_500)).toBe('1m30.5s')
    expect(formatDuration(3_723_000)).toBe('1h2m3s')
  })

  it('reports the window with the least room left for each kind', () => {
    const h = rateLimitHeaders([
      { kind: 'rpm', limit: 100, remaining: 40, resetMs: 1000 },
      { kind: 'rpm', limit: 10, remaining: 3, resetMs: 2000 },
      { kind: 'tpm', limit: 5000, remaining: 4000, resetMs: 60_000 },
      { kind: 'concurrency', limit: 2, remaining: 1, resetMs: 0 },
    ])
    expect(h).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-limit-tokens': '5000',
      'x-ratelimit-remaining-tokens': '4000',
      'x-ratelimit-reset-tokens': '1m0s',
    })
    expect(rateLimitHeaders([])).toEqual({})
  })
})

describe('budget periods (UTC)', () => {
  const at = Date.UTC(2026, 6, 23, 15, 30) // a Thursday
  it('day, ISO week from Monday, month and total', () => {
    expect(budgetPeriod('day', at).resetAt).toBe(Date.UTC(2026, 6, 24))
    expect(budgetPeriod('week', at).resetAt).toBe(Date.UTC(2026, 6, 27))
    expect(budgetPeriod('week', Date.UTC(2026, 6, 26, 23)).period).toBe(budgetPeriod('week', at).period)
    expect(budgetPeriod('week', Date.UTC(2026, 6, 27)).period).not.toBe(budgetPeriod('week', at).period)
    expect(budgetPeriod('month', at)).toEqual({ period: 'm2026-07', resetAt: Date.UTC(2026, 7, 1) })
    expect(budgetPeriod('month', Date.UTC(2026, 11, 31, 23))).toEqual({ period: 'm2026-12', resetAt: Date.UTC(2027, 0, 1) })
    expect(budgetPeriod('total', at)).toEqual({ period: 'total', resetAt: 0 })
  })
})

describe('token estimates', () => {
  it('count messages, tool definitions and schemas, and scale long texts from a prefix', () => {
    const short = estimateInputTokens({ model: 'm', messages: [{ role: 'user', content: 'Hello there' }] })
    expect(short).toBe(3 + 3 + countTextTokens('Hello there'))
    const withTools = estimateInputTokens({
      model: 'm',
      messages: [{ role: 'user', content: 'Hello there' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    })
    expect(withTools).toBeGreaterThan(short)
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(2000)
    const exact = countTextTokens(long.slice(0, 2048)) * (long.length / 2048)
    expect(countTextTokens(long)).toBeGreaterThanOrEqual(Math.floor(exact))
    expect(countTextTokens(long)).toBeLessThanOrEqual(Math.ceil(exact))
  })

  it('reserve max_completion_tokens, else max_tokens, else the configured reserve, per choice', () => {
    const chat = (extra: Partial<ChatRequest>) => chatDemand({ model: 'm', messages: [], ...extra })
    expect(reservedOutputTokens(chat({ max_tokens: 10, max_completion_tokens: 20 }), 99)).toBe(20)
    expect(reservedOutputTokens(chat({ max_tokens: 10 }), 99)).toBe(10)
    expect(reservedOutputTokens(chat({ n: 3 }), 99)).toBe(297)
    // The configured reserve gives way to a small tpm limit; a cap the client chose does not.
    expect(reservedOutputTokens(chat({}), 1024, 300)).toBe(300)
    expect(reservedOutputTokens(chat({ max_tokens: 500 }), 1024, 300)).toBe(500)
  })

  it('reserve for a chat request by the shape of its text, counted like the exact estimate', () => {
    const req: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'Hello there' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }
    expect(chatDemand(req).inputTokens()).toBe(estimateInputTokens(req, approxTokens))
  })

  it('guess token counts close to the o200k count on prompts, questions and code', () => {
    const texts = [
      ...jsonl('similarity/qqp_sample.jsonl').slice(0, 500).map((r) => String(r.question1)),
      ...jsonl('prompt_injection/jailbreakbench_attack_prompts.jsonl').slice(0, 200).map((r) => String(r.text)),
      ...jsonl('pii/presidio_synth_v2.jsonl').slice(0, 200).map((r) => String(r.text)),
      readFileSync(new URL('../../src/limits/limiter.ts', import.meta.url), 'utf8'),
      JSON.stringify({ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }),
    ].filter((t) => t.length > 0 && t !== 'undefined')
    expect(texts.length).toBeGreaterThan(800)
    const ratios = texts.map((t) => approxTokens(t) / countTextTokens(t)).sort((a, b) => a - b)
    expect(ratios[Math.floor(ratios.length * 0.05)]).toBeGreaterThan(0.75)
    expect(ratios[Math.floor(ratios.length * 0.95)]).toBeLessThan(1.25)
    const total = (f: (t: string) => number) => texts.reduce((n, t) => n + f(t), 0)
    expect(total(approxTokens) / total(countTextTokens)).toBeCloseTo(1, 1)
    expect(approxTokens('')).toBe(0)
    expect(approxTokens('東京は日本の首都です')).toBeGreaterThanOrEqual(5)
  })

  it('count embeddings inputs: texts by their shape, token ids one each, and no answer', () => {
    const texts = embeddingsDemand({ model: 'e', input: ['Hello there', 'General Kenobi'] })
    expect(texts.inputTokens()).toBe(approxTokens('Hello there') + approxTokens('General Kenobi'))
    expect(reservedOutputTokens(texts, 1024)).toBe(0)
    expect(embeddingsDemand({ model: 'e', input: 'Hello there' }).inputTokens()).toBe(approxTokens('Hello there'))
    expect(embeddingsDemand({ model: 'e', input: [1, 2, 3] }).inputTokens()).toBe(3)
    expect(embeddingsDemand({ model: 'e', input: [[1, 2], [3]] }).inputTokens()).toBe(3)
  })

  it('count an answer without reported usage', () => {
    const n = estimateOutputTokens({
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Paris is the capital.' } }],
    })
    expect(n).toBe(countTextTokens('Paris is the capital.'))
  })
})

function jsonl(file: string): Array<Record<string, unknown>> {
  const text = readFileSync(new URL(`../../../shared/data/${file}`, import.meta.url), 'utf8')
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('usage buckets', () => {
  it('read whole days from daily buckets and the ragged edges from hourly ones', () => {
    const day = 20_000
    const from = day * DAY_MS + 22 * HOUR_MS
    const to = (day + 2) * DAY_MS + 1 * HOUR_MS + 5
    expect(bucketsFor(from, to)).toEqual([
      { kind: 'h', index: day * 24 + 22 },
      { kind: 'h', index: day * 24 + 23 },
      { kind: 'd', index: day + 1 },
      { kind: 'h', index: (day + 2) * 24 },
      { kind: 'h', index: (day + 2) * 24 + 1 },
    ])
  })

  it('encode any names safely in a field', () => {
    const row = { keyId: 'key_1', keyName: 'a|b"c', team: '', model: 'gpt-4o' }
    expect(parseField(`${rowField(row)}|o`)).toEqual({ row: ['key_1', 'a|b"c', '', 'gpt-4o'], metric: 'o' })
    expect(parseField('garbage')).toBeUndefined()
  })
})
