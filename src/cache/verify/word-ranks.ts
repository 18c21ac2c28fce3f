import { readFileSync } from 'node:fs'

/** Frequency rank of common English words (0 = most frequent); words not listed are rare. Loaded once. */
export type WordRanks = ReadonlyMap<string, number>

let loaded: WordRanks | undefined

export function englishWordRanks(): WordRanks {
  if (!loaded) {
    const words = readFileSync(new URL('../../../models/english-word-ranks.txt', import.meta.url), 'utf8').split('\n').filter(Boolean)
    loaded = new Map(words.map((w, i) => [w, i]))
  }
  return loaded
}
