import type { Recognizer } from './entity-types.js'

const WINDOW_BEFORE = 48
const WINDOW_AFTER = 24

export type ContextScorer = (text: string, start: number, end: number, score: number) => number

/** Compiles a recognizer's context words into one regex that is run on a small window around a candidate. */
export function compileContext(recognizer: Recognizer): ContextScorer {
  if (recognizer.context.length === 0) return (_t, _s, _e, score) => score
  const escaped = recognizer.context.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'iu')
  const boost = recognizer.contextBoost ?? 0.35
  return (text, start, end, score) => {
    const window = `${text.slice(Math.max(0, start - WINDOW_BEFORE), start)} ${text.slice(end, end + WINDOW_AFTER)}`
    return pattern.test(window) ? Math.min(1, score + boost) : score
  }
}
