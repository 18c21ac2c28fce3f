import type { ChatRequest } from '../types.js'
import type { AnthropicRequest } from './anthropic-api.js'
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js'
import { prepareAnthropicResponseFormat } from './prepare-anthropic-response-format.js'
import { prepareAnthropicTools } from './prepare-anthropic-tools.js'
import { UnsupportedFeatureError } from './unsupported-feature-error.js'

export type AnthropicCall = {
  body: AnthropicRequest
  /** Name of the forced tool standing in for `response_format: json_schema`; its input is the answer text. */
  jsonTool: string | undefined
  /** Harmless gaps (parameters Anthropic lacks, moved system messages): worth a log line, not an error. */
  warnings: string[]
}

/**
 * A canonical (OpenAI) chat request → a fresh Anthropic Messages request body for one attempt.
 * The input is never modified. Throws UnsupportedFeatureError for what cannot be expressed.
 */
export function buildAnthropicRequest(
  req: Readonly<ChatRequest>,
  model: string,
  opts: { defaultMaxTokens: number; stream: boolean },
): AnthropicCall {
  if (req.n != null && req.n > 1) throw new UnsupportedFeatureError('Anthropic returns one choice per request; n must be 1', 'n')
  const prompt = convertToAnthropicMessages(req.messages)
  const warnings = [...prompt.warnings]
  const tools = prepareAnthropicTools(req.tools, req.tool_choice, req.parallel_tool_calls)
  const format = prepareAnthropicResponseFormat(req.response_format, tools.tools !== undefined)

  const body: AnthropicRequest = {
    model,
    messages: prompt.messages,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? opts.defaultMaxTokens,
  }
  const system = [...prompt.system]
  if (format.kind === 'instruction') system.push({ type: 'text', text: format.instruction })
  if (system.length > 0) body.system = system
  if (format.kind === 'tool') {
    body.tools = [format.tool]
    body.tool_choice = format.toolChoice
  } else {
    if (tools.tools) body.tools = tools.tools
    if (tools.toolChoice) body.tool_choice = tools.toolChoice
  }
  if (req.stop != null) {
    const stops = (typeof req.stop === 'string' ? [req.stop] : req.stop).filter((s) => s !== '')
    if (stops.length > 0) body.stop_sequences = stops
  }
  if (req.temperature != null) {
    // OpenAI allows 0–2, Anthropic 0–1: clamp rather than have the upstream reject the request.
    if (req.temperature > 1) warnings.push(`temperature ${req.temperature} clamped to Anthropic's maximum of 1`)
    body.temperature = Math.min(req.temperature, 1)
  }
  if (req.top_p != null) body.top_p = req.top_p
  if (req.user) body.metadata = { user_id: req.user }
  if (opts.stream) body.stream = true

  for (const key of ['seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs'] as const)
    if (req[key] != null && req[key] !== false) warnings.push(`${key} is not supported by Anthropic and was ignored`)

  return { body, jsonTool: format.kind === 'tool' ? format.tool.name : undefined, warnings }
}
