// Hashed n-gram features of a normalised text, shared by the training script and the runtime.

export const FEATURE_BITS = 20
const MASK = (1 << FEATURE_BITS) - 1
/** Longer inputs are classified on their head and tail: instructions sit at either end, and cost stays bounded. */
export const MAX_CLASSIFIED_CHARS = 24_000

const WORD = /[\p{L}\p{M}]+|\p{N}+/gu
const NON_ASCII = /[^\u0000-\u007f]/
/** Within ASCII, WORD's classes: 1 letter, 2 digit, 0 neither. */
const wordClass = (c: number): number => ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 1 : c >= 48 && c <= 57 ? 2 : 0)

/** Scale of each active feature, 1/sqrt(count): the binary vector is L2 normalised, so long and short texts score alike. */
export const featureScale = (active: number): number => 1 / Math.sqrt(Math.max(active, 1))

const clip = (s: string): string => (s.length > MAX_CLASSIFIED_CHARS ? `${s.slice(0, MAX_CLASSIFIED_CHARS / 2)} ${s.slice(-MAX_CLASSIFIED_CHARS / 2)}` : s)

/**
 * Shapes of the raw whitespace-separated tokens and of adjacent pairs ("Xx", "xXx", "}}$"): optimiser-made
 * adversarial suffixes (GCG and the like) are runs of odd shapes that plain prose never has.
 */
/** A preallocated output array: writing into a typed array is several times faster than Array.push. */
class IndexSink {
  out = new Uint32Array(0)
  n = 0
  /** Empties the sink, growing its buffer to at least `capacity`. */
  reset(capacity: number): this {
    if (this.out.length < capacity) this.out = new Uint32Array(Math.max(capacity, 2 * this.out.length))
    this.n = 0
    return this
  }
  push(i: number): void {
    this.out[this.n++] = i
  }
}

// Reused by every call that passes `reuse` (the runtime classifier): at 1 KB these buffers are
// ~20 KB a call, and collecting them was a large part of the p99.
const sharedSink = new IndexSink()
let sharedJoined = new Uint16Array(0)
const seen = new Uint32Array((1 << FEATURE_BITS) >>> 5)

function shapeFeatures(rawTokens: readonly string[], idx: IndexSink): void {
  let prev = 0
  // Densest run of odd tokens within any 10 consecutive tokens, emitted as "at least k" features.
  const window: boolean[] = []
  let oddInWindow = 0
  let maxOdd = 0
  for (const token of rawTokens) {
    if (token === '') continue
    const odd = ODD_TOKEN.test(token)
    window.push(odd)
    oddInWindow += odd ? 1 : 0
    if (window.length > 10) oddInWindow -= window.shift() ? 1 : 0
    maxOdd = Math.max(maxOdd, oddInWindow)
    let h = 0x27d4eb2d
    let last = -1
    let n = 0
    for (let i = 0; i < token.length && n < 6; i++) {
      const c = token.charCodeAt(i)
      const cls = c >= 65 && c <= 90 ? 88 : c >= 97 && c <= 122 ? 120 : c >= 48 && c <= 57 ? 100 : c > 127 ? 117 : c
      if (cls === last) continue
      h = step(h, cls)
      last = cls
      n++
    }
    idx.push((h >>> 0) & MASK)
    if (prev !== 0) idx.push((step(Math.imul(prev, 17) ^ h, 0x5b) >>> 0) & MASK)
    prev = h | 1
  }
  for (let k = 2; k <= Math.min(maxOdd, 8); k++) idx.push((step(0x3c6ef372, k) >>> 0) & MASK)
}

// Code-like symbols, camelCase joins, punctuation glued between letters, or punctuation-only tokens.
const ODD_TOKEN = /[{}[\]\\|$^~<>`*=]|[a-z][A-Z]|[A-Za-z][!?.,;:][A-Za-z]|^[^A-Za-z0-9]{2,}$/

function step(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193)
}

/**
 * Distinct feature indices of the text: word unigrams and bigrams, and character 3–5-grams over
 * the words joined by single spaces. Each kind starts from its own seed so they never share a slot
 * on purpose. Returned de-duplicated: the vector is binary, scaled by featureScale (L2 normalised).
 */
export function featureIndices(normalized: string, raw: string, reuse = false): Uint32Array {
  // With `reuse` the result aliases a shared buffer (valid until the next such call) and is not sorted.
  const text = clip(normalized)
  const rawTokens = clip(raw).split(/\s+/)
  // The words (WORD) as hashes, and joined by single spaces with a space at each end, as char codes.
  const ascii = !NON_ASCII.test(text)
  const words = ascii ? undefined : (text.match(WORD) ?? [])
  let count = 0
  let length = 1
  if (words === undefined) {
    // ASCII: a scan over char codes, no word strings. A word is a run of letters or a run of digits.
    for (let i = 0; i < text.length; ) {
      const cls = wordClass(text.charCodeAt(i))
      if (cls === 0) {
        i++
        continue
      }
      const from = i
      while (i < text.length && wordClass(text.charCodeAt(i)) === cls) i++
      count++
      length += i - from + 1
    }
  } else {
    count = words.length
    for (const w of words) length += w.length + 1
  }
  const capacity = 1 + 2 * rawTokens.length + 8 + 2 * count + 3 * length
  const idx = reuse ? sharedSink.reset(capacity) : new IndexSink().reset(capacity)
  // Its own intercept per length class: a message of two words is judged against other short messages.
  const lengthClass = count <= 3 ? count : count <= 6 ? 4 : count <= 12 ? 5 : count <= 30 ? 6 : count <= 100 ? 7 : 8
  idx.push((step(0x6a09e667, lengthClass) >>> 0) & MASK)
  shapeFeatures(rawTokens, idx)
  if (reuse && sharedJoined.length < length) sharedJoined = new Uint16Array(Math.max(length, 2 * sharedJoined.length))
  const joined = reuse ? sharedJoined.subarray(0, length).fill(32) : new Uint16Array(length).fill(32)
  let at = 1
  let prev = 0
  const pushWord = (h: number) => {
    idx.push((h >>> 0) & MASK)
    if (prev !== 0) idx.push((step(Math.imul(prev, 31) ^ h, 0x2f) >>> 0) & MASK)
    prev = h | 1
  }
  if (words === undefined) {
    for (let i = 0; i < text.length; ) {
      const cls = wordClass(text.charCodeAt(i))
      if (cls === 0) {
        i++
        continue
      }
      let h = 0x811c9dc5
      for (; i < text.length && wordClass(text.charCodeAt(i)) === cls; i++) {
        const c = text.charCodeAt(i)
        h = step(h, c)
        joined[at++] = c
      }
      at++
      pushWord(h)
    }
  } else {
    for (const w of words) {
      let h = 0x811c9dc5
      for (let i = 0; i < w.length; i++) {
        const c = w.charCodeAt(i)
        h = step(h, c)
        joined[at++] = c
      }
      at++
      pushWord(h)
    }
  }
  for (let i = 0; i + 3 <= joined.length; i++) {
    let h = 0x9e3779b9
    for (let n = 0; n < 5 && i + n < joined.length; n++) {
      h = step(h, joined[i + n] as number)
      if (n >= 2) idx.push((step(h, n) >>> 0) & MASK)
    }
  }
  const all = idx.out.subarray(0, idx.n)
  if (reuse) {
    // Binary features: drop repeats with a bitset over the feature space (cleared again on the way
    // out), linear where a sort is n log n. Order is first occurrence; the classifier only sums.
    let k = 0
    for (let i = 0; i < all.length; i++) {
      const f = all[i] as number
      const word = f >>> 5
      const bit = 1 << (f & 31)
      const seenWord = seen[word] as number
      if ((seenWord & bit) !== 0) continue
      seen[word] = seenWord | bit
      all[k++] = f
    }
    for (let i = 0; i < k; i++) seen[(all[i] as number) >>> 5] = 0
    return all.subarray(0, k)
  }
  // Binary features: sort (a native numeric sort on a typed array) and drop repeats.
  const sorted = all.sort()
  let k = 0
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[k++] = sorted[i] as number
  return sorted.subarray(0, k)
}
