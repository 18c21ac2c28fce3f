import { describe, expect, it } from 'vitest'
import { extractFeatures } from '../../../src/cache/verify/text-features.js'
import { verifyCandidate, type VerifyRules } from '../../../src/cache/verify/verify-candidate.js'
import { englishWordRanks } from '../../../src/cache/verify/word-ranks.js'

const ranks = englishWordRanks()
const rules: VerifyRules = { keyWordRank: 10_000, maxDifferentWords: 2, maxDifferentShare: 0.4, sameOrder: true }
const verdict = (a: string, b: string, r = rules) => verifyCandidate(extractFeatures(a, ranks), extractFeatures(b, ranks), r)

describe('verification of a semantic-cache candidate', () => {
  it('lets a rewording through', () => {
    expect(verdict('How do I convert 5 km to miles?', 'how can I convert 5 km into miles')).toEqual({ ok: true })
    expect(verdict('What is the capital of France?', "What's the capital of France")).toEqual({ ok: true })
  })

  it('rejects a different number, also when written as words', () => {
    expect(verdict('convert 5 km to miles', 'convert 50 km to miles')).toEqual({ ok: false, reason: 'numbers' })
    expect(verdict('convert 5 km to miles', 'convert five km to miles')).toEqual({ ok: true })
    expect(verdict('a list of twenty five items', 'a list of 25 items')).toEqual({ ok: true })
    expect(verdict('costs 1,000 dollars', 'costs 1000 dollars')).toEqual({ ok: true })
    expect(verdict('the first step', 'the second step')).toEqual({ ok: false, reason: 'numbers' })
  })

  it('rejects a negation the other side does not have', () => {
    expect(verdict('Is aspirin safe during pregnancy?', 'Is aspirin not safe during pregnancy?')).toEqual({ ok: false, reason: 'negation' })
    expect(verdict('Why does my code work?', "Why doesn't my code work?")).toEqual({ ok: false, reason: 'negation' })
    expect(verdict('Is aspirin safe?', 'Is aspirin unsafe?')).toEqual({ ok: false, reason: 'antonym' })
  })

  it('rejects a different named entity', () => {
    expect(verdict('Is medical insurance free for every citizen of Australia?', 'Is medical insurance free for every citizen of the UK?')).toEqual({ ok: false, reason: 'entity' })
    expect(verdict('How do I learn Python quickly?', 'How do I learn Rust quickly?').ok).toBe(false)
  })

  it('rejects a different rare key word even with every other word shared', () => {
    expect(verdict('How can you determine the solubility of silver sulfide?', 'How can you determine the solubility of silver chloride?')).toEqual({ ok: false, reason: 'key-word' })
  })

  it('rejects swapped roles ("A to B" is not "B to A")', () => {
    expect(verdict('How do you convert benzene into toluene?', 'How do you convert toluene into benzene?')).toEqual({ ok: false, reason: 'order' })
  })

  it('lets a long rewording move whole phrases, but not swap single words between roles', () => {
    const loose: VerifyRules = { ...rules, keyWordRank: Number.POSITIVE_INFINITY, maxDifferentWords: 16, maxDifferentShare: 1 }
    expect(
      verdict(
        'The Deep RL Course is a platform that teaches deep reinforcement learning using libraries from the HF ecosystem.',
        'HF ecosystem libraries are employed to teach deep reinforcement learning in the Deep RL Course platform.',
        loose,
      ),
    ).toEqual({ ok: true })
    expect(
      verdict(
        'Do some conservatives sympathize with Israel only because most liberals support Palestine?',
        'Do some liberals sympathize with Palestine only because most conservatives support Israel?',
        loose,
      ),
    ).toEqual({ ok: false, reason: 'order' })
    expect(verdict('Do Mexican girls like black guys?', 'Do black girls like Mexican guys?', loose)).toEqual({ ok: false, reason: 'order' })
  })

  it('reads a hyphen inside a word as wording and a sign before a digit as part of the number', () => {
    expect(verdict('Transformers is a state-of-the-art library', 'Transformers is a cutting edge library', { ...rules, keyWordRank: Number.POSITIVE_INFINITY, maxDifferentWords: 4, maxDifferentShare: 1 }).ok).toBe(true)
    expect(verdict('what is -5 squared', 'what is 5 squared')).toEqual({ ok: false, reason: 'numbers' })
    expect(verdict('what is 7 - 3', 'what is 7 + 3')).toEqual({ ok: false, reason: 'numbers' })
  })

  it('does not take an answering "No," for a negation, but still sees the negation after it', () => {
    expect(verdict('No, there is no alternative in the document.', 'There is no alternative in the document.')).toEqual({ ok: true })
    expect(verdict('Is the file there?', 'No, is the file not there?')).toEqual({ ok: false, reason: 'negation' })
  })

  it('rejects too much different wording', () => {
    expect(verdict('How do I clean a brown leather bag?', 'How do I clean a brown leather chair?', { ...rules, maxDifferentWords: 0 })).toEqual({ ok: false, reason: 'wording' })
  })
})
