// Finds the series a PromQL expression reads (metric names and the label names matched on them), so alert
// rules and dashboards can be checked against the metrics the gateway registers without a Prometheus.

export type SeriesRef = { name: string; labels: string[] }

const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio'])
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan'])
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y
const LABEL_MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/y

export function seriesRefs(expr: string): SeriesRef[] {
  const refs: SeriesRef[] = []
  let i = 0
  const skipSpaces = () => {
    while (i < expr.length && /\s/.test(expr[i]!)) i++
  }
  const skipBalanced = (open: string, close: string) => {
    let depth = 0
    for (; i < expr.length; i++) {
      if (expr[i] === open) depth++
      else if (expr[i] === close && --depth === 0) {
        i++
        return
      }
    }
    throw new Error(`unbalanced ${open}${close} in: ${expr}`)
  }
  const readMatchers = (): string[] => {
    const labels: string[] = []
    i++ // {
    for (;;) {
      skipSpaces()
      if (expr[i] === '}') {
        i++
        return labels
      }
      LABEL_MATCHER.lastIndex = i
      const m = LABEL_MATCHER.exec(expr)
      if (!m) throw new Error(`bad label matcher at ${i} in: ${expr}`)
      labels.push(m[1]!)
      i = LABEL_MATCHER.lastIndex
    }
  }
  while (i < expr.length) {
    const ch = expr[i]!
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = expr.indexOf(ch, i + 1)
      if (end < 0) throw new Error(`unterminated string in: ${expr}`)
      i = end + 1
      continue
    }
    if (ch === '[') {
      skipBalanced('[', ']')
      continue
    }
    if (ch === '{') {
      // A selector with no metric name: {__name__="…"} is not used here, so this is a mistake worth reporting.
      throw new Error(`selector without a metric name in: ${expr}`)
    }
    if (/[0-9.]/.test(ch)) {
      while (i < expr.length && /[0-9.eE+x]/.test(expr[i]!)) i++
      continue
    }
    IDENT.lastIndex = i
    const m = IDENT.exec(expr)
    if (!m) {
      i++
      continue
    }
    const word = m[0]
    i = IDENT.lastIndex
    skipSpaces()
    if (LABEL_LIST_KEYWORDS.has(word)) {
      if (expr[i] === '(') skipBalanced('(', ')')
      continue
    }
    if (word === 'offset') {
      while (i < expr.length && /[0-9a-z]/.test(expr[i]!)) i++
      continue
    }
    if (KEYWORDS.has(word) || AGGREGATIONS.has(word) || expr[i] === '(') continue
    refs.push({ name: word, labels: expr[i] === '{' ? readMatchers() : [] })
  }
  return refs
}
