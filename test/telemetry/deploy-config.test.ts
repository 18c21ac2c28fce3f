import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configSchema } from '../../src/config/schema.js'
import { createMetrics } from '../../src/telemetry/metrics.js'
import { seriesRefs } from './promql-refs.js'

// The alert rules and the dashboard read the metrics the gateway registers: every metric name and every label
// they match on must exist, or a rule silently never fires and a panel stays empty. promtool (Debian's
// `prometheus` package) checks syntax and runs the rule unit tests when it is installed; the name checks
// below run everywhere.

const deploy = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url))
const PROMETHEUS_DIR = deploy('prometheus')

type Rule = { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
type RuleFile = { groups: Array<{ name: string; rules: Rule[] }> }
const rules = parse(readFileSync(deploy('prometheus/alerts.yml'), 'utf8')) as RuleFile
const dashboard = JSON.parse(readFileSync(deploy('grafana/dashboards/switchyard.json'), 'utf8')) as {
  uid: string
  title: string
  templating: { list: Array<{ name: string; query?: string | { query: string } }> }
  panels: Array<{ id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: Array<{ expr: string }> }>
}

/** Every series name the gateway exports → the labels it can be matched on (Prometheus adds job and instance). */
function knownSeries(): Map<string, Set<string>> {
  const known = new Map<string, Set<string>>()
  for (const metric of createMetrics().registry.getMetricsAsArray()) {
    const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] }
    const labels = new Set([...labelNames, 'job', 'instance'])
    if (type === 'histogram') {
      known.set(`${name}_bucket`, new Set([...labels, 'le']))
      known.set(`${name}_sum`, labels)
      known.set(`${name}_count`, labels)
    } else known.set(name, labels)
  }
  known.set('up', new Set(['job', 'instance']))
  return known
}

function unknownRefs(expr: string, known: Map<string, Set<string>>): string[] {
  const problems: string[] = []
  for (const ref of seriesRefs(expr)) {
    const labels = known.get(ref.name)
    if (!labels) problems.push(`unknown series ${ref.name}`)
    else for (const l of ref.labels) if (!labels.has(l)) problems.push(`${ref.name} has no label ${l}`)
  }
  return problems
}

describe('the PromQL reference finder', () => {
  it('finds metric names and their matched labels, skipping functions, aggregations, label lists and ranges', () => {
    expect(
      seriesRefs(
        'histogram_quantile(0.95, sum by (le, model) (rate(a_bucket{model=~"x|y", code!="z"}[5m]))) > 2 * b:rec and on (model) group_left () max without (job) (c offset 1h)',
      ),
    ).toEqual([
      { name: 'a_bucket', labels: ['model', 'code'] },
      { name: 'b:rec', labels: [] },
      { name: 'c', labels: [] },
    ])
  })
})

describe('deploy/prometheus/alerts.yml', () => {
  const all = rules.groups.flatMap((g) => g.rules)
  const alerts = all.filter((r) => r.alert)

  it('is well formed: named groups, each rule records or alerts, alerts have a duration, a severity and a summary', () => {
    expect(rules.groups.length).toBeGreaterThan(0)
    expect(new Set(rules.groups.map((g) => g.name)).size).toBe(rules.groups.length)
    for (const rule of all) {
      expect(Boolean(rule.record) !== Boolean(rule.alert), JSON.stringify(rule)).toBe(true)
      expect(rule.expr.trim()).not.toBe('')
    }
    for (const alert of alerts) {
      expect(alert.for, alert.alert).toMatch(/^\d+[smhd]$/)
      expect(['warning', 'critical'], alert.alert).toContain(alert.labels?.severity)
      expect(alert.annotations?.summary, alert.alert).toEqual(expect.any(String))
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length)
  })

  it('alerts on what LLM operators page on', () => {
    const names = alerts.map((a) => a.alert)
    for (const name of [
      'SwitchyardTTFTP95Spike',
      'SwitchyardTTFTP99High',
      'SwitchyardErrorRateIncrease',
      'SwitchyardTokenSurge',
      'SwitchyardGuardrailTriggerRateHigh',
      'SwitchyardCircuitOpen',
      'SwitchyardRedisDegraded',
    ])
      expect(names).toContain(name)
  })

  it('reads only series the gateway exports (or rules record), with labels those series have', () => {
    const known = knownSeries()
    for (const rule of all.filter((r) => r.record)) known.set(rule.record!, new Set(['model', 'team', 'job', 'instance']))
    const problems = all.flatMap((r) => unknownRefs(r.expr, known).map((p) => `${r.alert ?? r.record}: ${p}`))
    expect(problems).toEqual([])
    // The recording rules are used by some alert; none is left over.
    const used = new Set(alerts.flatMap((a) => seriesRefs(a.expr).map((r) => r.name)))
    expect(all.filter((r) => r.record && !used.has(r.record)).map((r) => r.record)).toEqual([])
  })

  it('prometheus.yml loads these rules and scrapes the path the gateway serves by default', () => {
    const prom = parse(readFileSync(deploy('prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[]
      scrape_configs: Array<{ job_name: string; metrics_path: string }>
    }
    expect(prom.rule_files).toEqual(['alerts.yml'])
    const job = prom.scrape_configs.find((s) => s.job_name === 'switchyard')!
    expect(job.metrics_path).toBe(configSchema.parse({}).telemetry.metrics.path)
  })
})

describe('deploy/grafana/dashboards/switchyard.json', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row')

  it('has the panels operators asked for', () => {
    const titles = panels.map((p) => p.title.toLowerCase())
    for (const wanted of ['requests/s', 'error rate', 'request latency', 'time to first token', 'gateway overhead', 'tokens/s', 'spend by team', 'spend by model', 'cache hit ratio', 'guardrail triggers', 'fallbacks', 'circuit state'])
      expect(titles.some((t) => t.includes(wanted)), wanted).toBe(true)
    const latency = panels.find((p) => p.title.toLowerCase().includes('request latency'))!
    expect(latency.targets!.map((t) => /histogram_quantile\((0\.\d+)/.exec(t.expr)?.[1])).toEqual(['0.5', '0.95', '0.99'])
  })

  it('queries only series the gateway exports, with their labels', () => {
    const known = knownSeries()
    const problems = panels.flatMap((p) => (p.targets ?? []).flatMap((t) => unknownRefs(t.expr, known).map((x) => `${p.title}: ${x}`)))
    expect(problems).toEqual([])
    const variables = dashboard.templating.list.map((v) => (typeof v.query === 'object' ? v.query.query : ''))
    for (const query of variables.filter(Boolean)) {
      const m = /^label_values\((\w+), (\w+)\)$/.exec(query)!
      expect(known.get(m[1]!)?.has(m[2]!), query).toBe(true)
    }
  })

  it('lays panels out without overlaps, each with a unique id', () => {
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length)
    const cells = new Set<string>()
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false)
          cells.add(`${x},${y}`)
        }
    }
  })
})

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0
const withPromtool = promtool ? 'promtool' : 'promtool (SKIPPED: promtool is not installed; `apt-get install prometheus` provides it)'

// Skipped only outside CI: .ci/run installs promtool, so there a missing binary fails the tests instead.
describe.skipIf(!promtool && !process.env.CI)(withPromtool, () => {
  const run = (...args: string[]) => execFileSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', stdio: 'pipe' })

  it('checks the config and the rules', () => {
    expect(run('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS/)
    expect(run('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/)
  })

  it('passes the rule unit tests in alerts.test.yml', () => {
    expect(run('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/)
  })
})
