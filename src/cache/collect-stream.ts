import type { ChatCompletion, ChatCompletionChunk, ToolCall, Usage } from '../providers/types.js'

type ChoiceState = { content: string; toolCalls: ToolCall[]; finish: ChatCompletion['choices'][number]['finish_reason']; refusal?: string }

/** Accumulates a streamed answer into the ChatCompletion it amounts to (for storing it once the stream ends). */
export class StreamCollector {
  private readonly choices = new Map<number, ChoiceState>()
  private first?: ChatCompletionChunk
  private usage?: Usage

  add(chunk: ChatCompletionChunk): void {
    this.first ??= chunk
    if (chunk.usage) this.usage = chunk.usage
    for (const c of chunk.choices) {
      let state = this.choices.get(c.index)
      if (!state) this.choices.set(c.index, (state = { content: '', toolCalls: [], finish: null }))
      if (c.delta.content) state.content += c.delta.content
      if (c.delta.refusal) state.refusal = (state.refusal ?? '') + c.delta.refusal
      for (const d of c.delta.tool_calls ?? []) {
        const call = (state.toolCalls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } })
        if (d.id) call.id = d.id
        if (d.function?.name) call.function.name += d.function.name
        if (d.function?.arguments) call.function.arguments += d.function.arguments
      }
      if (c.finish_reason) state.finish = c.finish_reason
    }
  }

  completion(): ChatCompletion | undefined {
    if (!this.first) return undefined
    return {
      id: this.first.id,
      object: 'chat.completion',
      created: this.first.created,
      model: this.first.model,
      system_fingerprint: this.first.system_fingerprint ?? null,
      choices: [...this.choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, s]) => ({
          index,
          message: {
            role: 'assistant' as const,
            content: s.content,
            ...(s.toolCalls.length > 0 ? { tool_calls: s.toolCalls.filter(Boolean) } : {}),
            ...(s.refusal ? { refusal: s.refusal } : {}),
          },
          finish_reason: s.finish,
        })),
      ...(this.usage ? { usage: this.usage } : {}),
    }
  }
}
