import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { parsePrometheusText, samples, total } from './prometheus-text.js'

describe('the Prometheus text parser used by the metrics tests', () => {
  it('reads families, escaped label values and special values', () => {
    const text = [
      '# HELP x_total A counter with a \\\\ backslash.',
      '# TYPE x_total counter',
      'x_total{a="1",b="q\\"uote\\\\ and\\nnewline"} 3',
      'x_total{a="2"} 4.5 1700000000000',
      '# TYPE g gauge',
      'g +Inf',
      'g{k="v"} NaN',
    ].join('\n')
    const f = parsePrometheusText(text)
    expect(f.get('x_total')).toMatchObject({ type: 'counter', help: 'A counter with a \\ backslash.' })
    expect(samples(f, 'x_total', { a: '1' })[0]!.labels.b).toBe('q"uote\\ and\nnewline')
    expect(total(f, 'x_total')).toBe(7.5)
    expect(samples(f, 'g')[0]!.value).toBe(Number.POSITIVE_INFINITY)
    expect(samples(f, 'g', { k: 'v' })[0]!.value).toBeNaN()
  })

  it('rejects malformed lines and samples without a TYPE', () => {
    expect(() => parsePrometheusText('# TYPE a counter\na{b="x} 1')).toThrow(/unterminated/)
    expect(() => parsePrometheusText('# TYPE a counter\na 1 2 3')).toThrow(/trailing/)
    expect(() => parsePrometheusText('orphan 1')).toThrow(/no TYPE/)
    expect(() => parsePrometheusText('# TYPE a counter\na one')).toThrow(/not a sample value/)
  })

  it('round-trips what prom-client writes, histograms included', async () => {
    const registry = new Registry()
    const c = new Counter({ name: 'rt_total', help: 'h', labelNames: ['l'], registers: [registry] })
    const h = new Histogram({ name: 'rt_seconds', help: 'h', labelNames: ['l'], buckets: [0.1, 1], registers: [registry] })
    c.inc({ l: 'a"b' }, 2)
    h.observe({ l: 'x' }, 0.5)
    h.observe({ l: 'x' }, 5)
    const f = parsePrometheusText(await registry.metrics())
    expect(total(f, 'rt_total', { l: 'a"b' })).toBe(2)
    expect(samples(f, 'rt_seconds_bucket', { l: 'x' }).map((s) => [s.labels.le, s.value])).toEqual([
      ['0.1', 0],
      ['1', 1],
      ['+Inf', 2],
    ])
    expect(total(f, 'rt_seconds_sum', { l: 'x' })).toBe(5.5)
    expect(total(f, 'rt_seconds_count', { l: 'x' })).toBe(2)
  })
})
