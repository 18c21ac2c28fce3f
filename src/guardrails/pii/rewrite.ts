import type { Detection } from './entity-types.js'

/** Replaces each detection whose `replace` returns a string; detections must not overlap and be sorted by start. */
export function rewriteSpans(text: string, detections: readonly Detection[], replace: (d: Detection, value: string) => string | undefined): string {
  let out = ''
  let at = 0
  for (const d of detections) {
    const replacement = replace(d, text.slice(d.start, d.end))
    if (replacement === undefined) continue
    out += text.slice(at, d.start) + replacement
    at = d.end
  }
  return at === 0 ? text : out + text.slice(at)
}
