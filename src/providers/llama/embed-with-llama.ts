import type { LlamaEmbeddingContext, Token } from 'node-llama-cpp'
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types.js'
import { UnsupportedRequest } from './unsupported-request.js'

/**
 * /v1/embeddings on the local model: one embedding per input (text, or token ids as OpenAI allows),
 * L2-normalized as OpenAI's are, as float arrays or as base64 little-endian float32 (what the openai SDK asks for).
 * Inputs run one after another on the embedding context; the signal is checked between them.
 */
export async function embedWithLlama(
  context: LlamaEmbeddingContext,
  contextSize: number,
  req: Readonly<EmbeddingsRequest>,
  model: string,
  signal: AbortSignal,
): Promise<EmbeddingsResponse> {
  const inputs = embeddingInputs(req.input)
  const lengths = inputs.map((input, i) => {
    const n = context.calculateInputLength(input)
    if (n >= contextSize) throw new UnsupportedRequest(`input[${i}] has ${n} tokens; this local model embeds at most ${contextSize - 1}.`, 'input')
    return n
  })
  const data: EmbeddingsResponse['data'] = []
  for (const [index, input] of inputs.entries()) {
    signal.throwIfAborted()
    const vector = normalize((await context.getEmbeddingFor(input)).vector)
    if (req.dimensions != null && req.dimensions !== vector.length)
      throw new UnsupportedRequest(`This local model's embeddings have ${vector.length} dimensions and cannot be shortened.`, 'dimensions')
    data.push({ object: 'embedding', index, embedding: req.encoding_format === 'base64' ? toBase64(vector) : vector })
  }
  const tokens = lengths.reduce((a, b) => a + b, 0)
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }
}

/** OpenAI's four input shapes: a string, strings, one token array, token arrays. Empty inputs are refused as OpenAI does. */
function embeddingInputs(input: EmbeddingsRequest['input']): Array<string | Token[]> {
  const list: Array<string | number[]> = typeof input === 'string' ? [input] : input.length > 0 && typeof input[0] === 'number' ? [input as number[]] : (input as Array<string | number[]>)
  if (list.length === 0) throw new UnsupportedRequest('input must not be empty.', 'input')
  return list.map((item, i) => {
    if (item.length === 0) throw new UnsupportedRequest(`input[${i}] must not be empty.`, 'input')
    return item as string | Token[]
  })
}

function normalize(vector: readonly number[]): number[] {
  let sum = 0
  for (const v of vector) sum += v * v
  const norm = Math.sqrt(sum)
  return norm > 0 ? vector.map((v) => v / norm) : [...vector]
}

function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64')
}
