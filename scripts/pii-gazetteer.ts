// The tagger's gazetteer: given names, family names and city-name words in Latin script from the
// locale data of @faker-js/faker (MIT), lowercased and hashed. Built at training time and stored in
// the model file, so the runtime needs no faker.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { allFakers } from '@faker-js/faker'
import { fnv1a } from '../src/guardrails/fnv1a.js'
import type { Gazetteer } from '../src/guardrails/pii/ner/tagger-model.js'
import { sharedData } from './guardrails-data.js'

/**
 * Ordinary words that name lists also contain ("even", "so", "by"): words that Quora questions
 * write in lowercase more often than capitalised (away from the start of a sentence).
 */
function commonWords(minLower = 2): Set<string> {
  const lower = new Map<string, number>()
  const capital = new Map<string, number>()
  const text = readFileSync(path.join(sharedData, 'similarity/qqp_train.jsonl'), 'utf8')
  for (const m of text.matchAll(/(?<=[a-z,;:] )(\p{L}+)/gu)) {
    const w = m[1] as string
    const key = w.toLowerCase()
    const into = w === key ? lower : capital
    into.set(key, (into.get(key) ?? 0) + 1)
  }
  return new Set([...lower].filter(([w, n]) => n >= minLower && n > (capital.get(w) ?? 0)).map(([w]) => w))
}

function collect(into: Set<string>, value: unknown): void {
  if (typeof value === 'string') into.add(value)
  else if (Array.isArray(value)) for (const v of value) collect(into, v)
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collect(into, v)
}

/** Written lowercase at least this many times (and more often than capitalised): an ordinary word. */
const COMMON_MIN = 5
const LATIN = /^[\p{Script=Latin}'’ -]+$/u

export function buildGazetteer(): Gazetteer {
  const first = new Set<string>()
  const last = new Set<string>()
  const city = new Set<string>()
  for (const f of Object.values(allFakers)) {
    const d = f.rawDefinitions
    collect(first, d.person?.first_name)
    collect(last, d.person?.last_name)
    collect(city, d.location?.city_name)
    // Country and state names (in each locale's language) count as place words too.
    collect(city, d.location?.country)
    collect(city, d.location?.state)
  }
  const common = commonWords()
  // Single words only: the tagger looks words up one at a time ("New York" → "new", "york").
  const words = (names: Set<string>) =>
    new Set(
      [...names]
        .filter((n) => LATIN.test(n))
        .flatMap((n) => n.toLowerCase().split(/\s+/))
        .filter((w) => w.length > 1 && !common.has(w))
        .map((w) => fnv1a(w)),
    )
  // Ordinary words: written lowercase in the questions at least COMMON_MIN times (and more often than capitalised).
  const ordinary = new Set([...commonWords(COMMON_MIN)].map((w) => fnv1a(w)))
  return { first: words(first), last: words(last), city: words(city), common: ordinary }
}
