import { SpanStatusCode, trace } from '@opentelemetry/api'
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { traceOf } from './request-trace.js'

/**
 * Wraps one middleware in a child span `middleware <name>` (the handler's function name). Steps nest like the
 * chain itself: a step's span covers the steps after it, so its own time is what its children leave over.
 */
export function traceStep(step: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  const name = `middleware ${step.name || 'step'}`
  const traced: MiddlewareHandler<AppEnv> = async (c, next) => {
    const rt = traceOf(c.get('log'))
    if (!rt) return step(c, next)
    const parent = rt.ctx
    const span = rt.tracing.tracer.startSpan(name, undefined, parent)
    rt.ctx = trace.setSpan(parent, span)
    try {
      return await step(c, next)
    } catch (err) {
      // A step refusing the caller (401, 429, a guardrail block) is the step working, not failing.
      const { status, code, name } = err as { status?: number; code?: string; name?: string }
      span.setAttribute(ATTR_ERROR_TYPE, code ?? name ?? 'Error')
      if (!(typeof status === 'number' && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR })
      throw err
    } finally {
      rt.ctx = parent
      span.end()
    }
  }
  // Stack traces and Hono's route listing keep the step's own name.
  Object.defineProperty(traced, 'name', { value: step.name })
  return traced
}
