// k6 scenarios for a running Switchyard (see "Load tests" in README.md). Every scenario runs unless
// SCENARIOS=steady_chat,streaming,... picks some; each has its own thresholds.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e API_KEY=sk-... -e STORM_KEYS=sk-a,sk-b,... load-tests/k6/switchyard.js
// The gateway needs models `chat` (cache off), `chat-cached` (cache on) and `chat-failover` (two targets);
// load-tests/lib/load-config.ts is such a config. For `failover`, stop the first target's upstream while
// it runs (k6 cannot): the threshold checks that callers never noticed.
import http from 'k6/http'
import { check } from 'k6'
import { Rate, Trend } from 'k6/metrics'

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080'
const API_KEY = __ENV.API_KEY || 'sk-load-main-0123456789'
const STORM_KEYS = (__ENV.STORM_KEYS || Array.from({ length: 50 }, (_, i) => `sk-load-storm-${String(i).padStart(3, '0')}`).join(',')).split(',')
const DURATION = __ENV.DURATION || '30s'
const RATE = Number(__ENV.RATE || 200)
const VUS = Number(__ENV.VUS || 32)
const prompts = JSON.parse(open('../prompts.json'))

const errors = new Rate('switchyard_errors') // transport errors and non-2xx other than 429
const cacheHits = new Rate('switchyard_cache_hits') // among 2xx answers
const rateLimited = new Rate('switchyard_429')
const overhead = new Trend('switchyard_overhead_ms') // x-switchyard-overhead-ms (JSON answers)

const all = {
  steady_chat: {
    executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: DURATION,
    preAllocatedVUs: VUS, maxVUs: VUS * 4, exec: 'steadyChat',
  },
  streaming: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'streaming' },
  cache_repeats_paraphrases: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'cacheHeavy' },
  rate_limit_storm: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'rateLimitStorm' },
  failover: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'failover' },
}
const picked = (__ENV.SCENARIOS || Object.keys(all).join(',')).split(',')

/** k6 duration ("90s", "2m", "1m30s") in seconds. */
function toSeconds(d) {
  const re = /(\d+)(h|m|s)/g
  let total = 0
  for (let m = re.exec(d); m; m = re.exec(d)) total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2]]
  return total
}

// Scenarios run one after another, so each one's figures are its own.
const scenarios = {}
let offset = 0
for (const name of picked) {
  if (!all[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(all).join(', ')}`)
  scenarios[name] = { ...all[name], startTime: `${offset}s` }
  offset += toSeconds(DURATION) + 2
}

const perScenario = {
  steady_chat: { 'http_req_duration{scenario:steady_chat}': ['p(95)<250', 'p(99)<500'], 'switchyard_errors{scenario:steady_chat}': ['rate<0.001'], 'switchyard_overhead_ms{scenario:steady_chat}': ['p(50)<1', 'p(99)<5'] },
  streaming: { 'http_req_waiting{scenario:streaming}': ['p(95)<250'], 'switchyard_errors{scenario:streaming}': ['rate<0.001'] },
  cache_repeats_paraphrases: { 'switchyard_cache_hits{scenario:cache_repeats_paraphrases}': ['rate>0.5'], 'switchyard_errors{scenario:cache_repeats_paraphrases}': ['rate<0.001'] },
  // The storm must be refused with 429 (not errors) and must not slow the few admitted requests.
  rate_limit_storm: { 'switchyard_429{scenario:rate_limit_storm}': ['rate>0.5'], 'switchyard_errors{scenario:rate_limit_storm}': ['rate<0.001'] },
  failover: { 'switchyard_errors{scenario:failover}': ['rate<0.01'], 'http_req_duration{scenario:failover}': ['p(99)<1000'] },
}
const thresholds = {}
for (const name of picked) Object.assign(thresholds, perScenario[name])

export const options = { scenarios, thresholds, discardResponseBodies: false }

function chat(model, content, key, stream) {
  const body = { model, messages: [{ role: 'user', content }], max_tokens: 32 }
  if (stream) body.stream = true
  const res = http.post(`${BASE_URL}/v1/chat/completions`, JSON.stringify(body), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key || API_KEY}` },
    responseCallback: http.expectedStatuses({ min: 200, max: 299 }, 429),
  })
  const ok = res.status >= 200 && res.status < 300
  rateLimited.add(res.status === 429)
  errors.add(!ok && res.status !== 429)
  if (ok) {
    const cache = res.headers['X-Switchyard-Cache']
    cacheHits.add(cache === 'hit' || cache === 'semantic-hit')
    const ms = Number(res.headers['X-Switchyard-Overhead-Ms'])
    if (!Number.isNaN(ms)) overhead.add(ms)
  }
  check(res, { 'answered or rate limited': () => ok || res.status === 429 })
  if (stream && ok) check(res, { 'stream ends with [DONE]': (r) => r.body.trimEnd().endsWith('data: [DONE]') })
  return res
}

export function steadyChat() {
  chat('chat', prompts.steady)
}

export function streaming() {
  chat('chat', prompts.steady, API_KEY, true)
}

// Each question group cycles through its phrasings: the first is a miss, later ones exact or semantic hits.
export function cacheHeavy() {
  const i = __ITER * VUS + __VU
  const group = prompts.cache[i % prompts.cache.length]
  chat('chat-cached', group[Math.floor(i / prompts.cache.length) % group.length])
}

export function rateLimitStorm() {
  chat('chat', prompts.steady, STORM_KEYS[(__ITER * VUS + __VU) % STORM_KEYS.length])
}

export function failover() {
  chat('chat-failover', prompts.steady)
}
