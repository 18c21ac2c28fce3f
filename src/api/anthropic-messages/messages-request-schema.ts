import { z } from 'zod'

// Validates what Anthropic SDK clients send to POST /v1/messages. Fields with no canonical counterpart
// (top_k, thinking, cache_control, citations …) are accepted and left behind, never forwarded: the decoded
// request may be served by an OpenAI upstream, which rejects fields it does not know.

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() })

const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
})

const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
})

const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
})

const thinkingBlock = z.looseObject({ type: z.enum(['thinking', 'redacted_thinking']) })

const contentBlockSchema = z.discriminatedUnion('type', [textBlock, imageBlock, toolUseBlock, toolResultBlock, thinkingBlock], {
  error: 'content block type must be one of text, image, tool_use, tool_result, thinking, redacted_thinking',
})

const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
})

const tool = z.looseObject({
  type: z.literal('custom', { error: 'only client (custom) tools are supported; server tools are not' }).optional(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
})

const serial = { disable_parallel_tool_use: z.boolean().optional() }
const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), ...serial }),
  z.looseObject({ type: z.literal('any'), ...serial }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1), ...serial }),
  z.looseObject({ type: z.literal('none') }),
])

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(message).min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  output_config: z
    .looseObject({ format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullish() })
    .optional(),
})

export type MessagesRequest = z.infer<typeof messagesRequestSchema>
export type ContentBlock = z.infer<typeof contentBlockSchema>

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] }

/**
 * The issue to report, with its path in the style Anthropic's own validation errors use
 * (`messages.0.content.1.type`). A union (content as string or blocks) only says "Invalid input"
 * itself, so the branch issue that got furthest into the value is reported instead.
 */
export function describeIssue(issue: Issue): { param: string; message: string } {
  const deepest = mostSpecific(issue)
  return { param: deepest.path.map(String).join('.'), message: deepest.message }
}

function mostSpecific(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue
  let best: Issue | undefined
  for (const branch of issue.errors)
    for (const inner of branch) {
      const candidate = mostSpecific({ ...inner, path: [...issue.path, ...inner.path] })
      if (!best || candidate.path.length > best.path.length) best = candidate
    }
  return best ?? issue
}
