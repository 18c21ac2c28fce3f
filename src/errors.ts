import type { ContentfulStatusCode } from 'hono/utils/http-status'

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error'

/** An error the gateway answers with. Thrown anywhere on the request path; one onError turns it into a body. */
export class GatewayError extends Error {
  readonly param: string | null
  readonly headers: Record<string, string> | undefined
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ErrorType,
    readonly code: string | null,
    message: string,
    opts: { cause?: unknown; param?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: opts.cause })
    this.param = opts.param ?? null
    this.headers = opts.headers
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = 'invalid_request'): GatewayError =>
  new GatewayError(400, 'invalid_request_error', code, message, { param })

export const modelNotFound = (model: string): GatewayError =>
  new GatewayError(404, 'invalid_request_error', 'model_not_found', `The model '${truncate(model, 200)}' does not exist or you do not have access to it.`, { param: 'model' })

export const internalError = (cause: unknown): GatewayError =>
  new GatewayError(500, 'api_error', 'internal_error', 'The gateway hit an internal error while handling the request.', { cause })

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s
}
