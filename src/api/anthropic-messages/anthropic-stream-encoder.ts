import { toAnthropicUsage } from '../../providers/anthropic/convert-anthropic-usage.js'
import { toAnthropicStopReason } from '../../providers/anthropic/map-anthropic-stop-reason.js'
import type { ChatCompletionChunk, FinishReason, ToolCallDelta, Usage } from '../../providers/types.js'
import { anthropicMessageId } from './encode-messages-response.js'

type OpenBlock = { index: number; kind: 'text' } | { index: number; kind: 'tool_use'; toolIndex: number }

/** One SSE frame in Anthropic's format: the event name repeats the data's `type`. */
export const sseFrame = (data: { type: string; [k: string]: unknown }): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

/**
 * Canonical (OpenAI) chunks → Anthropic stream events, for one response. Never shared between requests.
 *
 * Anthropic streams one content block at a time: text and each tool call get their own block, opened
 * with content_block_start and closed with content_block_stop before the next one opens. The finish
 * reason and usage arrive at the end of an OpenAI stream (usage after the finish chunk), so
 * message_delta is written by `end()`, which always closes the message, also when the upstream ended
 * without a finish reason.
 */
export class AnthropicStreamEncoder {
  private started = false
  private ended = false
  private id = ''
  private model: string
  private nextBlockIndex = 0
  private openBlock: OpenBlock | undefined
  /** OpenAI tool_calls index → Anthropic content block index */
  private readonly blockOfTool = new Map<number, number>()
  private finishReason: FinishReason | null = null
  private usage: Usage | undefined

  constructor(requestedModel: string) {
    this.model = requestedModel
  }

  /** The frames one chunk stands for, concatenated ('' when it carries nothing new). */
  push(chunk: ChatCompletionChunk): string {
    if (this.ended) return ''
    let out = this.start(chunk)
    if (chunk.usage) this.usage = chunk.usage
    const choice = chunk.choices[0]
    if (!choice) return out
    const text = choice.delta.content || choice.delta.refusal
    if (text) out += this.text(text)
    for (const call of choice.delta.tool_calls ?? []) out += this.toolCall(call)
    if (choice.finish_reason) this.finishReason = choice.finish_reason
    return out
  }

  /** Closes whatever is open and ends the message. Safe to call once the chunks are exhausted, whatever they held. */
  end(): string {
    if (this.ended) return ''
    let out = this.start(undefined)
    out += this.closeBlock()
    const usage = toAnthropicUsage(this.usage)
    out += sseFrame({
      type: 'message_delta',
      delta: { stop_reason: toAnthropicStopReason(this.finishReason), stop_sequence: null },
      usage,
    })
    out += sseFrame({ type: 'message_stop' })
    this.ended = true
    return out
  }

  private start(chunk: ChatCompletionChunk | undefined): string {
    if (this.started) return ''
    this.started = true
    this.id = anthropicMessageId(chunk?.id)
    if (chunk?.model) this.model = chunk.model
    return sseFrame({
      type: 'message_start',
      message: {
        id: this.id,
        type: 'message',
        role: 'assistant',
        model: this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // OpenAI reports usage only at the end; message_delta carries the real counts.
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    })
  }

  private text(text: string): string {
    let out = ''
    if (this.openBlock?.kind !== 'text') {
      out += this.closeBlock()
      this.openBlock = { index: this.nextBlockIndex++, kind: 'text' }
      out += sseFrame({ type: 'content_block_start', index: this.openBlock.index, content_block: { type: 'text', text: '' } })
    }
    return out + sseFrame({ type: 'content_block_delta', index: this.openBlock!.index, delta: { type: 'text_delta', text } })
  }

  private toolCall(call: ToolCallDelta): string {
    let out = ''
    let index = this.blockOfTool.get(call.index)
    if (index === undefined) {
      out += this.closeBlock()
      index = this.nextBlockIndex++
      this.blockOfTool.set(call.index, index)
      this.openBlock = { index, kind: 'tool_use', toolIndex: call.index }
      const id = call.id ?? `toolu_${crypto.randomUUID().replaceAll('-', '')}`
      out += sseFrame({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: call.function?.name ?? '', input: {} } })
    }
    // Arguments for a tool whose block already closed (an upstream interleaving parallel calls) still go to
    // that block's index, which is how Anthropic clients accumulate input.
    const args = call.function?.arguments
    if (args) out += sseFrame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } })
    return out
  }

  private closeBlock(): string {
    if (!this.openBlock) return ''
    const out = sseFrame({ type: 'content_block_stop', index: this.openBlock.index })
    this.openBlock = undefined
    return out
  }
}

/** Drives one encoder over a chunk stream. An upstream error propagates; the caller ends the stream with an error event. */
export async function* encodeAnthropicStream(chunks: AsyncIterable<ChatCompletionChunk>, requestedModel: string): AsyncGenerator<string> {
  const encoder = new AnthropicStreamEncoder(requestedModel)
  for await (const chunk of chunks) {
    const frames = encoder.push(chunk)
    if (frames) yield frames
  }
  yield encoder.end()
}
