import type { ChatHistoryItem, ChatWrapper, GbnfJsonSchema, Llama, LlamaChat, LlamaContext, LlamaEmbeddingContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp'
import type { LlamaOutputFormat } from './plan-llama-generation.js'
import { UnsupportedRequest } from './unsupported-request.js'

/**
 * One loaded GGUF: the model, one context whose sequences are the parallel slots (a LlamaChat on each,
 * all sharing the chat wrapper picked from the file's own template), and what is derived from them.
 * The embedding context is created on first use only, as it takes memory of its own.
 */
export class LoadedLlamaModel {
  private jsonGrammar: Promise<LlamaGrammar> | undefined
  private embedding: Promise<LlamaEmbeddingContext> | undefined

  constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly chatWrapper: ChatWrapper,
    readonly chats: readonly LlamaChat[],
    private readonly threads: number,
  ) {}

  /** Tokens each sequence holds: prompt plus answer must fit in it. */
  get contextSize(): number {
    return this.context.contextSize
  }

  /** The prompt as the chat template renders it, in tokens. */
  countPromptTokens(history: ChatHistoryItem[]): number {
    return this.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer).length
  }

  /** The grammar that enforces a JSON answer, or undefined for free text. */
  async grammarFor(format: LlamaOutputFormat): Promise<LlamaGrammar | undefined> {
    if (format.kind === 'text') return undefined
    if (format.kind === 'json') return (this.jsonGrammar ??= this.llama.getGrammarFor('json'))
    try {
      return await this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(format.schema as GbnfJsonSchema)
    } catch (err) {
      throw new UnsupportedRequest(`The JSON schema cannot be enforced by this local model: ${(err as Error).message}`, 'response_format.json_schema.schema')
    }
  }

  embeddingContext(): Promise<LlamaEmbeddingContext> {
    return (this.embedding ??= this.model.createEmbeddingContext({ contextSize: this.context.contextSize, threads: this.threads }))
  }

  async dispose(): Promise<void> {
    for (const chat of this.chats) chat.dispose()
    if (this.embedding) await (await this.embedding.catch(() => undefined))?.dispose()
    await this.context.dispose()
    await this.model.dispose()
  }
}
