import type { ChatCompletionChunk, FinishReason, ToolCallDelta } from '../types.js'
import { UpstreamError } from '../upstream-error.js'
import type { AnthropicStreamEvent, AnthropicToolUseBlock, AnthropicUsage } from './anthropic-api.js'
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js'
import { anthropicStreamError } from './read-anthropic-error.js'

type Delta = ChatCompletionChunk['choices'][number]['delta']

/**
 * Anthropic stream events → OpenAI chat chunks, for one response. Never shared between requests.
 *
 * Anthropic numbers content blocks across text and tools; OpenAI numbers tool calls on their own,
 * so each tool_use block gets the next tool-call index when it starts. The finish chunk comes from
 * `message_delta`; `message_stop` adds a final chunk with no choices and the usage, as OpenAI does
 * with `stream_options.include_usage` (the chat codec drops it again for clients that did not ask).
 * A stream that ends before `message_stop` was cut, and `end()` says so by throwing.
 */
export class AnthropicStreamDecoder {
  private id = ''
  private model: string
  private usage: AnthropicUsage = {}
  private finishSent = false
  private stopped = false
  private toolCount = 0
  /** content block index → OpenAI tool_calls index */
  private readonly toolIndexOfBlock = new Map<number, number>()
  /** content blocks of the response_format stand-in tool, streamed as text */
  private readonly jsonBlocks = new Set<number>()

  constructor(
    private readonly provider: string,
    private readonly opts: { jsonTool?: string; created: number; model: string },
  ) {
    this.model = opts.model
  }

  /** Takes the data of one SSE event; returns the chunks it stands for (often none). */
  push(data: string): ChatCompletionChunk[] {
    let event: AnthropicStreamEvent
    try {
      event = JSON.parse(data) as AnthropicStreamEvent
    } catch (err) {
      throw this.protocolError('sent a malformed stream event', err)
    }
    if (this.stopped) return []
    switch (event?.type) {
      case 'message_start':
        this.id = event.message?.id ?? ''
        if (event.message?.model) this.model = event.message.model
        this.usage = mergeAnthropicUsage(this.usage, event.message?.usage)
        return [this.chunk({ role: 'assistant', content: '' })]
      case 'content_block_start':
        return this.blockStart(event.index, event.content_block)
      case 'content_block_delta':
        return this.blockDelta(event.index, event.delta)
      case 'message_delta': {
        this.usage = mergeAnthropicUsage(this.usage, event.usage)
        const finish = this.finishReason(event.delta?.stop_reason)
        if (finish === null) return []
        this.finishSent = true
        return [this.chunk({}, finish)]
      }
      case 'message_stop': {
        this.stopped = true
        const out = this.finishSent ? [] : [this.chunk({}, 'stop')]
        const usage = convertAnthropicUsage(this.usage)
        if (usage) out.push({ ...this.envelope([]), usage })
        return out
      }
      case 'error':
        throw anthropicStreamError(this.provider, event)
      default:
        // ping, content_block_stop, and event types newer than this code carry nothing for OpenAI clients.
        return []
    }
  }

  /** Call when the body ended. Throws if the answer was cut before `message_stop`. */
  end(): void {
    if (!this.stopped) throw this.protocolError('ended the stream before the answer was complete')
  }

  private blockStart(index: number, block: { type: string; [k: string]: unknown } | undefined): ChatCompletionChunk[] {
    if (block?.type === 'text' && typeof block.text === 'string' && block.text) return [this.chunk({ content: block.text })]
    if (block?.type !== 'tool_use') return []
    const use = block as unknown as AnthropicToolUseBlock
    if (this.opts.jsonTool !== undefined && use.name === this.opts.jsonTool) {
      this.jsonBlocks.add(index)
      return []
    }
    const toolIndex = this.toolCount++
    this.toolIndexOfBlock.set(index, toolIndex)
    return [this.chunk({ tool_calls: [{ index: toolIndex, id: use.id, type: 'function', function: { name: use.name, arguments: '' } }] })]
  }

  private blockDelta(index: number, delta: { type: string; [k: string]: unknown } | undefined): ChatCompletionChunk[] {
    if (delta?.type === 'text_delta' && typeof delta.text === 'string') return delta.text ? [this.chunk({ content: delta.text })] : []
    if (delta?.type !== 'input_json_delta' || typeof delta.partial_json !== 'string' || delta.partial_json === '') return []
    if (this.jsonBlocks.has(index)) return [this.chunk({ content: delta.partial_json })]
    const toolIndex = this.toolIndexOfBlock.get(index)
    if (toolIndex === undefined) throw this.protocolError(`sent tool input for content block ${index}, which is not a tool call`)
    const call: ToolCallDelta = { index: toolIndex, function: { arguments: delta.partial_json } }
    return [this.chunk({ tool_calls: [call] })]
  }

  /** The response_format stand-in tool ends the turn with `tool_use`; to the client that is a plain stop. */
  private finishReason(raw: string | null | undefined): FinishReason | null {
    const finish = mapAnthropicStopReason(raw)
    return finish === 'tool_calls' && this.toolCount === 0 && this.jsonBlocks.size > 0 ? 'stop' : finish
  }

  private chunk(delta: Delta, finish: FinishReason | null = null): ChatCompletionChunk {
    return this.envelope([{ index: 0, delta, finish_reason: finish }])
  }

  private envelope(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.opts.created, model: this.model, choices }
  }

  private protocolError(what: string, cause?: unknown): UpstreamError {
    return new UpstreamError(this.provider, 'protocol', `${this.provider} ${what}`, { status: 502, cause })
  }
}
