import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadGuardrailModels } from '../../src/guardrails/models.js'
import { tagTokens, tagTokensReference } from '../../src/guardrails/pii/ner/tagger.js'
import { tokenize } from '../../src/guardrails/pii/ner/tokenize.js'

// The runtime tagger adds up cached per-word weight sums; training scores every feature of
// staticFeatures. Both must choose the same tags with the same margins.
const model = loadGuardrailModels().tagger
const texts = [
  'Please forward this to Mrs. Kathrine Filemonsen tomorrow.',
  'Mr. Pavlović flew to STAXROITH on Monday morning.\n\nAddress: 4923 Parkview Road, Apt. 12\nOslo 0150, Norway',
  'my name is vitoria and i live at 255 hersnapvej 18, københavn k',
  'What is the best way to learn Python? Jean-Luc O\'Neill asked Dr. Smith in Zürich.',
  'ΛΕΥΚΩΣΙΑ 東京 — Björgvinsdóttir, 57006',
  ...readFileSync(new URL('../../src/guardrails/pii/detector.ts', import.meta.url), 'utf8').split('\n\n').slice(0, 20),
]

describe('tagger fast path', () => {
  it('matches the reference that scores every feature', () => {
    for (const text of texts) {
      const tokens = tokenize(text)
      const fast = tagTokens(model, tokens, text)
      const ref = tagTokensReference(model, tokens, text)
      expect(fast.tags).toEqual(ref.tags)
      fast.margins.forEach((m, i) => expect(m).toBeCloseTo(ref.margins[i] as number, 3))
    }
  })
})
