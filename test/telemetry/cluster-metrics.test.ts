import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parsePrometheusText, total } from './prometheus-text.js'

const fixture = fileURLToPath(new URL('./fixtures/cluster-metrics.ts', import.meta.url))

describe('metrics with server.workers > 1', () => {
  it('a scrape of any one worker returns every worker’s metrics, aggregated by the primary', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    const { scraped } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { scraped: string }
    const families = parsePrometheusText(scraped)
    // Worker 1 counted 1 and worker 2 counted 2: a worker alone would have said 1.
    expect(total(families, 'fixture_requests_total')).toBe(3)
    // A gauge aggregated with max: one worker's open circuit shows.
    expect(total(families, 'fixture_circuit_open')).toBe(1)
  })
})
