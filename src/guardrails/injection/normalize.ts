// Undo the cheap disguises attackers use so that heuristics and the classifier see plain text.

// Zero-width characters, bidi controls, soft hyphen, word joiners, BOM, variation selectors and tag characters.
const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]|\udb40[\udc00-\udc7f]/g

// Letters that look Latin but are not (Cyrillic, Greek, a few others), folded to the Latin letter they imitate.
// NFKC already folds full-width, mathematical and circled letters.
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', Ѕ: 'S', І: 'I', Ј: 'J',
  α: 'a', ο: 'o', ρ: 'p', ν: 'v', τ: 't', ι: 'i', κ: 'k', χ: 'x', υ: 'u', ε: 'e',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  ı: 'i', ɑ: 'a', ɡ: 'g', ℓ: 'l',
}
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g')

// Digits and symbols standing in for letters, applied only inside words that mix them with letters
// (so "h4ck3r" becomes "hacker" while "2024" and "3.5" stay as they are).
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's' }
const LEET_WORD = /[\p{L}0-9@$]+/gu
const HAS_LEET = /[0-9@$]/
const HAS_LETTER = /\p{L}/u

/** Letters split by single spaces or dots, "i g n o r e": joined back into words. */
const SPACED_LETTERS = /\b(?:\p{L}[ .\-_*]){3,}\p{L}\b/gu
// Cheap ASCII pre-checks, so that plain text skips the Unicode-aware passes it does not need.
const NON_ASCII = /[^\u0000-\u007f]/
const MAYBE_SPACED = /(?:^|[^A-Za-z])[A-Za-z][ .\-_*][A-Za-z][ .\-_*][A-Za-z][ .\-_*][A-Za-z]/
const MAYBE_LEET = /[A-Za-z][0-9@$]|[0-9@$][A-Za-z]/

export function normalizeForInjection(text: string): string {
  let s = text
  const ascii = !NON_ASCII.test(s)
  if (!ascii) {
    s = s.normalize('NFKC').replace(INVISIBLE, '')
    if (NON_ASCII.test(s)) s = s.replace(CONFUSABLE, (ch) => CONFUSABLES[ch] ?? ch)
  }
  if (!ascii || MAYBE_SPACED.test(s)) s = s.replace(SPACED_LETTERS, (m) => m.replace(/[ .\-_*]/g, ''))
  if (!ascii || MAYBE_LEET.test(s)) s = s.replace(LEET_WORD, (w) => (HAS_LEET.test(w) && HAS_LETTER.test(w) ? w.replace(/[0-9@$]/g, (c) => LEET[c] ?? c) : w))
  return s.toLowerCase()
}
