/** Turns texts into L2-normalised vectors, in-process. One instance per configured model; shared by all requests. */
export interface Embedder {
  /** Identity of the model (kind + content hash): vectors from different models never share an index. */
  readonly id: string
  readonly dimensions: number
  embed(texts: readonly string[]): Promise<Float32Array[]>
  close(): Promise<void>
}
