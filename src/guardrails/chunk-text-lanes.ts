import type { ChatCompletionChunk } from '../providers/types.js'
import type { TextTransformer } from './pii/restore.js'

/** Which text of a streamed answer a transformer is for: a choice's content, or one tool call's arguments. */
export type Lane = { choice: number; kind: 'content' } | { choice: number; kind: 'tool-arguments'; toolCall: number }

type Choice = ChatCompletionChunk['choices'][number]

/**
 * Runs every text lane of a chunk stream through its own transformer (one per lane, made on first
 * use). Text a transformer holds back is flushed into an extra chunk just before the chunk that
 * finishes its choice, or at the end of the stream, so nothing is lost or reordered. Input chunks
 * are never mutated: a cached stream may still hold them.
 */
export async function* transformChunkText(
  chunks: AsyncIterable<ChatCompletionChunk>,
  makeTransformer: (lane: Lane) => TextTransformer,
): AsyncIterable<ChatCompletionChunk> {
  const lanes = new Map<string, { lane: Lane; t: TextTransformer }>()
  const transformerFor = (lane: Lane) => {
    const key = lane.kind === 'content' ? `${lane.choice}:c` : `${lane.choice}:t${lane.toolCall}`
    let entry = lanes.get(key)
    if (entry === undefined) lanes.set(key, (entry = { lane, t: makeTransformer(lane) }))
    return entry.t
  }
  let last: ChatCompletionChunk | undefined
  for await (const chunk of chunks) {
    last = chunk
    const finishing = new Map(chunk.choices.filter((c) => c.finish_reason != null).map((c) => [c.index, c.finish_reason]))
    const choices = chunk.choices.map((choice) => transformChoice(choice, transformerFor))
    const flushed = flushLanes(lanes, (lane) => finishing.has(lane.choice))
    if (flushed.length === 0) {
      yield { ...chunk, choices }
      continue
    }
    // What a finishing choice still held goes after its last text and before its finish_reason.
    const held = new Set(flushed.map((c) => c.index))
    yield { ...withoutUsage(chunk), choices: choices.map((c) => (held.has(c.index) ? { ...c, finish_reason: null } : c)) }
    yield { ...chunk, choices: flushed.map((c) => ({ ...c, finish_reason: finishing.get(c.index) ?? null })) }
  }
  const rest = flushLanes(lanes, () => true)
  if (rest.length > 0 && last !== undefined) yield { ...withoutUsage(last), choices: rest }
}

function withoutUsage(chunk: ChatCompletionChunk): ChatCompletionChunk {
  const { usage: _usage, ...rest } = chunk
  return rest
}

function transformChoice(choice: Choice, transformerFor: (lane: Lane) => TextTransformer): Choice {
  const { delta } = choice
  const content = typeof delta.content === 'string' && delta.content !== '' ? transformerFor({ choice: choice.index, kind: 'content' }).push(delta.content) : delta.content
  const toolCalls = delta.tool_calls?.map((tc) =>
    typeof tc.function?.arguments === 'string' && tc.function.arguments !== ''
      ? { ...tc, function: { ...tc.function, arguments: transformerFor({ choice: choice.index, kind: 'tool-arguments', toolCall: tc.index }).push(tc.function.arguments) } }
      : tc,
  )
  return { ...choice, delta: { ...delta, ...(content !== delta.content && { content }), ...(toolCalls !== undefined && { tool_calls: toolCalls }) } }
}

/** Empties the matching lanes' transformers into delta-only choices, and forgets those lanes. */
function flushLanes(lanes: Map<string, { lane: Lane; t: TextTransformer }>, match: (lane: Lane) => boolean): Choice[] {
  const byChoice = new Map<number, Choice>()
  for (const [key, { lane, t }] of lanes) {
    if (!match(lane)) continue
    lanes.delete(key)
    const text = t.flush()
    if (text === '') continue
    let choice = byChoice.get(lane.choice)
    if (choice === undefined) byChoice.set(lane.choice, (choice = { index: lane.choice, delta: {}, finish_reason: null }))
    if (lane.kind === 'content') choice.delta.content = text
    else (choice.delta.tool_calls ??= []).push({ index: lane.toolCall, function: { arguments: text } })
  }
  return [...byChoice.values()]
}
