// A parser for the Prometheus text exposition format (version 0.0.4), enough to read /metrics back in tests:
// HELP and TYPE lines, samples with quoted, escaped label values, and +Inf/-Inf/NaN values.

export type Sample = { name: string; labels: Record<string, string>; value: number }
export type Family = { name: string; type: string; help: string; samples: Sample[] }

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'))
}

// Like Prometheus's own parser (Go's ParseFloat): Inf and NaN in any case, so prom-client's `Nan` is read too.
function parseValue(text: string): number {
  const lower = text.toLowerCase()
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY
  if (lower === '-inf') return Number.NEGATIVE_INFINITY
  if (lower === 'nan') return Number.NaN
  const n = Number(text)
  if (text === '' || Number.isNaN(n)) throw new Error(`not a sample value: '${text}'`)
  return n
}

function parseSample(line: string, lineNo: number): Sample {
  const fail = (why: string) => new Error(`line ${lineNo}: ${why}: ${line}`)
  const name = METRIC_NAME.exec(line)?.[0]
  if (!name) throw fail('no metric name')
  let i = name.length
  const labels: Record<string, string> = {}
  if (line[i] === '{') {
    i++
    for (;;) {
      while (line[i] === ' ') i++
      if (line[i] === '}') {
        i++
        break
      }
      const label = LABEL_NAME.exec(line.slice(i))?.[0]
      if (!label) throw fail('bad label name')
      i += label.length
      if (line[i] !== '=' || line[i + 1] !== '"') throw fail('expected ="')
      i += 2
      let value = ''
      for (;;) {
        const ch = line[i]
        if (ch === undefined) throw fail('unterminated label value')
        if (ch === '"') break
        if (ch === '\\') {
          const next = line[i + 1]
          value += next === 'n' ? '\n' : next === '"' ? '"' : next === '\\' ? '\\' : `\\${next}`
          i += 2
        } else {
          value += ch
          i++
        }
      }
      i++
      if (label in labels) throw fail(`duplicate label ${label}`)
      labels[label] = value
      while (line[i] === ' ') i++
      if (line[i] === ',') i++
      else if (line[i] !== '}') throw fail('expected , or }')
    }
  }
  if (line[i] !== ' ') throw fail('expected a space before the value')
  const [value, timestamp, extra] = line.slice(i + 1).trim().split(/\s+/)
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw fail('trailing text')
  return { name, labels, value: parseValue(value ?? '') }
}

/** The family a sample belongs to: histogram and summary samples carry suffixes. */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sample)
  if (direct) return direct
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue
    const f = families.get(sample.slice(0, -suffix.length))
    if (f && (f.type === 'histogram' || f.type === 'summary')) return f
  }
  return undefined
}

/** Parses a whole exposition; throws on anything malformed, including samples with no TYPE line. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const lines = text.split('\n')
  lines.forEach((line, index) => {
    const lineNo = index + 1
    if (line.trim() === '') return
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line)
      if (!m) return
      const [, kind, name, rest] = m as unknown as [string, string, string, string]
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      if (kind === 'HELP') family.help = unescapeHelp(rest)
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`line ${lineNo}: unknown type ${rest}`)
        family.type = rest
      }
      families.set(name, family)
      return
    }
    const sample = parseSample(line, lineNo)
    const family = familyOf(sample.name, families)
    if (!family) throw new Error(`line ${lineNo}: sample ${sample.name} has no TYPE line`)
    family.samples.push(sample)
  })
  return families
}

/** Samples named `name` whose labels include all of `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const family = familyOf(name, families)
  if (!family) return []
  return family.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

/** The sum over matching samples (0 when none match). */
export function total(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((sum, s) => sum + s.value, 0)
}
