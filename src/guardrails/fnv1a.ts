/** 32-bit FNV-1a over UTF-16 code units: the feature hash shared by the training scripts and the runtime. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** FNV-1a over s[from, to): the same as fnv1a(s.slice(from, to), seed) without the slice. */
export function fnv1aRange(s: string, from: number, to: number, seed: number): number {
  let h = seed
  for (let i = Math.max(0, from); i < to; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
