import type { ToolChoice, ToolDefinition } from '../types.js'
import type { AnthropicTool, AnthropicToolChoice } from './anthropic-api.js'

export type PreparedAnthropicTools = { tools?: AnthropicTool[]; toolChoice?: AnthropicToolChoice }

const EMPTY_SCHEMA = { type: 'object', properties: {} }

/**
 * OpenAI function tools and tool_choice → Anthropic tools and tool_choice.
 * `required` is Anthropic's `any`; `parallel_tool_calls: false` is `disable_parallel_tool_use`.
 * Without tools no tool_choice is sent (Anthropic rejects a tool_choice with nothing to choose).
 */
export function prepareAnthropicTools(
  tools: readonly ToolDefinition[] | undefined,
  choice: ToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
): PreparedAnthropicTools {
  if (!tools || tools.length === 0) return {}
  const prepared: AnthropicTool[] = tools.map((t) => {
    const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? EMPTY_SCHEMA }
    if (t.function.description) tool.description = t.function.description
    return tool
  })
  const serial = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {}
  let toolChoice: AnthropicToolChoice | undefined
  if (choice === 'none') toolChoice = { type: 'none' }
  else if (choice === 'required') toolChoice = { type: 'any', ...serial }
  else if (typeof choice === 'object') toolChoice = { type: 'tool', name: choice.function.name, ...serial }
  else if (choice === 'auto' || parallelToolCalls === false) toolChoice = { type: 'auto', ...serial }
  return toolChoice ? { tools: prepared, toolChoice } : { tools: prepared }
}
