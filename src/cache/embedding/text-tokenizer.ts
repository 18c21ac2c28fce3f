import { readFile } from 'node:fs/promises'
import { Tokenizer } from '@huggingface/tokenizers'

/** Token ids of one text, ready for an ONNX graph. */
export type TextTokenizer = (text: string) => number[]

export type TokenizerOptions = {
  /** Drop these ids (e.g. [UNK] for static models, which carry no meaning for it). */
  dropIds?: readonly number[]
  /** Keep at most this many tokens (transformer context size); the end of a long text is cut. */
  maxTokens?: number
  addSpecialTokens?: boolean
}

/** Loads a Hugging Face tokenizer.json (plus tokenizer_config.json when present) with @huggingface/tokenizers. */
export async function loadTokenizer(dir: string, opts: TokenizerOptions = {}): Promise<TextTokenizer> {
  const json = JSON.parse(await readFile(`${dir}/tokenizer.json`, 'utf8')) as object
  const config = await readFile(`${dir}/tokenizer_config.json`, 'utf8').then(
    (s) => JSON.parse(s) as object,
    () => ({}),
  )
  const tokenizer = new Tokenizer(json, config)
  const drop = new Set(opts.dropIds ?? [])
  const maxTokens = opts.maxTokens ?? Number.POSITIVE_INFINITY
  const addSpecialTokens = opts.addSpecialTokens ?? true
  return function tokenize(text) {
    let ids = tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids
    if (drop.size > 0) ids = ids.filter((id: number) => !drop.has(id))
    if (ids.length > maxTokens) ids = [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]!]
    return ids
  }
}
