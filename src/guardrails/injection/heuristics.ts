// Phrasings that are injections or jailbreaks in almost any context, matched on normalised
// (lowercased, de-obfuscated) text. Each rule has a name (for logs) and a score.

export type HeuristicRule = { name: string; score: number; pattern: RegExp }

const PRIOR = '(?:all |any |the |your |my |these |those |every )*(?:previous|prior|above|earlier|preceding|former|initial|original|foregoing|old|system)'
const RULES_NOUN = '(?:instructions?|prompts?|rules?|directions?|directives?|guidelines?|commands?|orders?|context|messages?|tasks?|assignments?|constraints?|programming|restrictions?)'

export const HEURISTIC_RULES: readonly HeuristicRule[] = [
  { name: 'override-instructions', score: 0.95, pattern: new RegExp(`\\b(?:ignore|disregard|forget|skip|override|bypass|drop|abandon|discard)\\b[^.\\n]{0,30}?\\b${PRIOR}\\b[^.\\n]{0,20}?\\b${RULES_NOUN}\\b`) },
  // Aimed at retrieval-augmented apps: "disregarding the articles, …", "ignore the provided context".
  { name: 'override-sources', score: 0.9, pattern: /\b(?:ignor(?:e|ing)|disregard(?:ing)?|forget(?:ting)?|regardless of)\s+(?:(?:all|any|the|your|these|those|every|of the)\s+)*(?:provided\s+|given\s+)?(?:articles?|texts?|documents?|sources?|context|information|inputs?)\b/ },
  { name: 'override-everything', score: 0.9, pattern: /\b(?:ignore|disregard|forget)\s+(?:everything|all(?: of)?(?: that| this)?|what)\s+(?:above|before|previously|i (?:said|told you)|you (?:were|have been) told)\b/ },
  { name: 'new-instructions', score: 0.85, pattern: /\b(?:your|the) new (?:instructions?|task|role|rules?) (?:is|are)\b|\bnew instructions?\s*:/ },
  { name: 'reveal-system-prompt', score: 0.9, pattern: /\b(?:reveal|show|print|repeat|output|display|tell me|give me|spell out|leak|dump)\b[^.\n]{0,25}\b(?:system|initial|original|hidden|secret|internal|full)\s+(?:prompt|instructions?|message|rules)\b/ },
  { name: 'developer-mode', score: 0.9, pattern: /\b(?:developer|dev|god|debug|sudo|admin|jailbreak|jailbroken|unrestricted|unfiltered|dan) mode\b/ },
  { name: 'do-anything-now', score: 0.95, pattern: /\bdo anything now\b|\byou are (?:now )?dan\b|\bact as (?:a |an )?dan\b/ },
  { name: 'no-restrictions-persona', score: 0.9, pattern: /\b(?:you (?:are|will be)|act as|pretend (?:to be|you are)|roleplay as)\b[^.\n]{0,60}\b(?:no|without|free (?:of|from)|not bound by|doesn'?t (?:have|follow|care about)|never (?:refuses?|follows?))\b[^.\n]{0,20}\b(?:restrictions?|filters?|limits?|limitations?|guidelines|rules|ethics|morals?|censorship|policies|content polic(?:y|ies))\b/ },
  { name: 'stay-in-character', score: 0.8, pattern: /\bstay in character\b[^.\n]{0,80}\b(?:no matter|always|never break)\b|\bnever break character\b/ },
  { name: 'german-override', score: 0.9, pattern: /\b(?:ignoriere|vergiss|vergessen sie|ignorieren sie|missachte)\b[^.\n]{0,40}\b(?:alle|alles|vorherigen|bisherigen|obigen|vorher|anweisungen|instruktionen|aufgaben)\b/ },
]

/** The highest-scoring rule that matches, if any. */
export function matchHeuristics(normalized: string): HeuristicRule | undefined {
  let best: HeuristicRule | undefined
  for (const rule of HEURISTIC_RULES) if ((best === undefined || rule.score > best.score) && rule.pattern.test(normalized)) best = rule
  return best
}
