import type { Detection } from './entity-types.js'
import type { PiiDetector } from './detector.js'
import type { TextTransformer } from './restore.js'

/** Already-emitted text kept as left context only (context words, the tagger's view of the previous words). */
const LEFT_CONTEXT = 48
/** A finding still growing (a long key block) may hold back at most this much before text is let through anyway. */
const MAX_HOLD = 4096

/**
 * Scans a streamed text for PII with a bounded look-ahead. The last `lookahead` characters are held
 * back (an entity may still be growing there), moved further back to the start of any finding that
 * straddles the cut, and to a word boundary. Everything before the cut is rewritten and emitted once:
 * text is never dropped, duplicated or reordered, and the delay is at most `lookahead` characters
 * (plus a finding being completed).
 */
export function streamScanner(
  detect: PiiDetector,
  rewrite: (text: string, detections: readonly Detection[]) => string,
  lookahead: number,
): TextTransformer {
  let pending = ''
  let context = ''
  const emit = (upTo: number, detections: Detection[], offset: number): string => {
    const raw = pending.slice(0, upTo)
    const inside = detections.filter((d) => d.start >= offset && d.end <= offset + upTo).map((d) => ({ ...d, start: d.start - offset, end: d.end - offset }))
    pending = pending.slice(upTo)
    context = (context + raw).slice(-LEFT_CONTEXT)
    return rewrite(raw, inside)
  }
  return {
    push(text) {
      pending += text
      if (pending.length <= lookahead) return ''
      const offset = context.length
      // A finding that began in text already emitted cannot be changed any more: only look at new ones.
      const detections = detect(context + pending).filter((d) => d.start >= offset)
      const limit = pending.length - lookahead
      let cut = limit
      // Back to a word boundary, so a word (a name, a number) is never split between two scans;
      // text without spaces for a whole look-ahead is cut where it is.
      while (cut > 0 && limit - cut < lookahead && !/\s/.test(pending[cut - 1] as string)) cut--
      if (cut > 0 && !/\s/.test(pending[cut - 1] as string)) cut = limit
      // Never cut through a finding: move the cut to its start (repeat, findings may chain).
      for (let moved = true; moved && pending.length <= lookahead + MAX_HOLD; ) {
        moved = false
        for (const d of detections)
          if (d.start - offset < cut && d.end - offset > cut) {
            cut = d.start - offset
            moved = true
          }
      }
      if (cut <= 0) return ''
      return emit(cut, detections, offset)
    },
    flush() {
      if (pending === '') return ''
      const offset = context.length
      return emit(pending.length, detect(context + pending).filter((d) => d.start >= offset), offset)
    },
  }
}
