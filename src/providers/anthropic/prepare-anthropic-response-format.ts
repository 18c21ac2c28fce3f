import type { ResponseFormat } from '../types.js'
import type { AnthropicTool, AnthropicToolChoice } from './anthropic-api.js'

/**
 * How an OpenAI `response_format` is approximated on Anthropic, which has no such parameter on all models:
 * - `json_schema` of an object without client tools: a forced tool whose input schema is the requested schema. The model
 *   must answer by "calling" it, and the tool input is handed back to the client as the message text.
 * - `json_schema` alongside client tools (forcing one tool would stop the others), a non-object schema, and `json_object`:
 *   a system instruction asking for JSON only, with the schema when there is one. Best effort, not enforced.
 */
export type AnthropicResponseFormatPlan =
  | { kind: 'none' }
  | { kind: 'tool'; tool: AnthropicTool; toolChoice: AnthropicToolChoice }
  | { kind: 'instruction'; instruction: string }

export function prepareAnthropicResponseFormat(format: ResponseFormat | undefined, hasClientTools: boolean): AnthropicResponseFormatPlan {
  if (!format || format.type === 'text') return { kind: 'none' }
  if (format.type === 'json_object') return { kind: 'instruction', instruction: 'Respond with a single valid JSON object and nothing else.' }
  const { name, schema, description } = format.json_schema
  const inputSchema = schema ?? { type: 'object' }
  // A tool's input schema must describe an object; any other top-level schema can only be asked for.
  if (!hasClientTools && inputSchema.type === 'object') {
    const tool: AnthropicTool = {
      name,
      description: description ?? 'Give the final answer by calling this tool; its input is the answer.',
      input_schema: inputSchema,
    }
    return { kind: 'tool', tool, toolChoice: { type: 'tool', name } }
  }
  return {
    kind: 'instruction',
    instruction: `When you give your final answer, respond with only a JSON value matching this JSON Schema and nothing else:\n${JSON.stringify(inputSchema)}`,
  }
}
