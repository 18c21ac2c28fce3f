import { describe, expect, it } from 'vitest'
import { loadGuardrailModels } from '../../src/guardrails/models.js'
import { compilePiiDetector } from '../../src/guardrails/pii/detector.js'

const detect = compilePiiDetector({ entities: new Set(['PERSON']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
const names = (text: string) => detect(text).map((d) => text.slice(d.start, d.end))

describe('person names from the tagger', () => {
  it('finds a name after an honorific', () => {
    expect(names('Please forward this to Mrs. Kathrine Filemonsen tomorrow.')).toContain('Kathrine Filemonsen')
  })

  it('never takes a capitalised pronoun, question word or form label for a name', () => {
    for (const text of ['What is the best way to learn Python?', 'When I arrived the office was closed.', 'You can reach the front desk any time.', 'Phone: 555 0100'])
      expect(names(text)).toEqual([])
  })
})
