import type { Outcome } from '../../src/outcome.js'
import type { ChatCompletionChunk } from '../../src/providers/types.js'

/** A stream outcome whose content arrives in the given pieces, ending with finish_reason stop. */
export function streamOutcome(pieces: string[], extra: Partial<ChatCompletionChunk['choices'][number]['delta']> = {}): Outcome {
  const base = { id: 'c1', object: 'chat.completion.chunk' as const, created: 1, model: 'm' }
  async function* chunks(): AsyncIterable<ChatCompletionChunk> {
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', ...extra }, finish_reason: null }] }
    for (const p of pieces) yield { ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }
  }
  return { kind: 'stream', chunks: chunks(), provider: 'p', targetModel: 'm', attempts: 1 }
}

export async function collect(outcome: Outcome): Promise<{ content: string; toolArgs: string; chunks: ChatCompletionChunk[]; finishLast: boolean }> {
  if (outcome.kind !== 'stream') throw new Error('expected a stream')
  const chunks: ChatCompletionChunk[] = []
  for await (const c of outcome.chunks) chunks.push(c)
  const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta))
  const finishAt = chunks.findIndex((c) => c.choices.some((ch) => ch.finish_reason !== null))
  return {
    content: deltas.map((d) => d.content ?? '').join(''),
    toolArgs: deltas.flatMap((d) => d.tool_calls?.map((t) => t.function?.arguments ?? '') ?? []).join(''),
    chunks,
    finishLast: finishAt === chunks.length - 1,
  }
}

/** Splits text at the given cut points (taken modulo its length), keeping every character. */
export function chunkAt(text: string, cuts: number[]): string[] {
  const bounds = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
  const out: string[] = []
  let at = 0
  for (const b of [...bounds, text.length]) {
    out.push(text.slice(at, b))
    at = b
  }
  return out
}
