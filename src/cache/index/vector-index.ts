/** Nearest neighbours by inner product over L2-normalised vectors (= cosine similarity). Keys are small integers. */
export interface VectorIndex {
  readonly size: number
  add(key: number, vector: Float32Array): void
  remove(key: number): void
  search(query: Float32Array, k: number): Array<{ key: number; score: number }>
}
