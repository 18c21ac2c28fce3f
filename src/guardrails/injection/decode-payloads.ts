// Encoded payloads hidden in a message: base64 and hex runs decoded, and the whole text rot13-decoded
// when that reads more like English than the original. Each decoded text is scanned like a message.

const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{24,}={0,2}/g
const HEX_RUN = /(?:[0-9a-fA-F]{2}[\s:]?){10,}/g
const MAX_DECODED = 8
const COMMON_WORDS = /\b(?:the|you|your|and|to|of|is|are|all|ignore|instructions|previous|system|prompt|now|tell|me|what|how|a|in|for|not|this|that|with)\b/g

function printableRatio(s: string): number {
  let ok = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13 || c >= 160) ok++
  }
  return s.length === 0 ? 0 : ok / s.length
}

function asText(buf: Buffer): string | undefined {
  const s = buf.toString('utf8')
  // Decoded binary (an image, a hash) is not a hidden instruction: keep only what reads as text with spaces.
  return printableRatio(s) > 0.95 && /[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(s) ? s : undefined
}

function rot13(s: string): string {
  const out = new Array<string>(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out[i] = c >= 65 && c <= 90 ? String.fromCharCode(((c - 52) % 26) + 65) : c >= 97 && c <= 122 ? String.fromCharCode(((c - 84) % 26) + 97) : (s[i] as string)
  }
  return out.join('')
}

/** Matches of a global regex, counted with test(): no array of matches is built. */
function countMatches(re: RegExp, s: string): number {
  re.lastIndex = 0
  let n = 0
  while (re.test(s)) n++
  re.lastIndex = 0
  return n
}

const countCommon = (s: string): number => countMatches(COMMON_WORDS, s.toLowerCase())
const LATIN_WORD = /[A-Za-z]+/g

export function decodePayloads(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(BASE64_RUN)) {
    if (out.length >= MAX_DECODED) break
    const decoded = asText(Buffer.from(m[0], m[0].includes('-') || m[0].includes('_') ? 'base64url' : 'base64'))
    if (decoded !== undefined) out.push(decoded)
  }
  for (const m of text.matchAll(HEX_RUN)) {
    if (out.length >= MAX_DECODED) break
    const decoded = asText(Buffer.from(m[0].replace(/[\s:]/g, ''), 'hex'))
    if (decoded !== undefined) out.push(decoded)
  }
  // Text that already reads as English (a common word every ten words or more) is not rot13.
  const words = countMatches(LATIN_WORD, text)
  const common = words >= 3 ? countCommon(text) : 0
  if (words >= 3 && common * 10 < words) {
    const rotated = rot13(text)
    if (countCommon(rotated) > 2 * common + 1) out.push(rotated)
  }
  return out
}
