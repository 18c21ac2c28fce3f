import type { InjectionClassifier } from './classifier-model.js'
import { decodePayloads } from './decode-payloads.js'
import { matchHeuristics } from './heuristics.js'
import { normalizeForInjection } from './normalize.js'

/** How suspicious a text is, and which layer said so (for the log; never the text itself). */
export type InjectionVerdict = { score: number; layer: 'classifier' | 'heuristic' | 'decoded'; rule?: string }

/**
 * Scores one untrusted text: normalise it, then the heuristics and the classifier run on the
 * normalised text and on every payload decoded from it; the highest score wins.
 */
export function scoreInjection(classifier: InjectionClassifier | undefined, text: string): InjectionVerdict {
  let verdict = scoreNormalized(classifier, normalizeForInjection(text), text, 'classifier')
  for (const decoded of decodePayloads(text)) {
    const v = scoreNormalized(classifier, normalizeForInjection(decoded), decoded, 'decoded')
    if (v.score > verdict.score) verdict = { ...v, layer: 'decoded' }
  }
  return verdict
}

/**
 * Below this many words the classifier is not asked: a two-word turn ("please", "go on") has too few
 * n-grams for a verdict, and an attack that short is an override phrase the heuristics catch.
 */
const MIN_CLASSIFIED_WORDS = 4

function scoreNormalized(classifier: InjectionClassifier | undefined, normalized: string, raw: string, layer: 'classifier' | 'decoded'): InjectionVerdict {
  const rule = matchHeuristics(normalized)
  const model = classifier !== undefined && hasWords(normalized, MIN_CLASSIFIED_WORDS) ? classifier.score(normalized, raw) : 0
  // A matching rule is named even when the classifier scores higher: it explains the verdict.
  return rule !== undefined ? { score: Math.max(rule.score, model), layer: 'heuristic', rule: rule.name } : { score: model, layer }
}

const WORD = /[\p{L}\p{N}]+/gu

/** Whether the text has at least `n` words, without building the list of them. */
function hasWords(text: string, n: number): boolean {
  WORD.lastIndex = 0
  let count = 0
  while (count < n && WORD.test(text)) count++
  WORD.lastIndex = 0
  return count >= n
}
