import type { RequestLog } from '../request-log.js'

/** A client that went away mid-stream: recorded, but not the gateway's failure. */
const CLIENT_CLOSED = 'client_closed'

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx']

export function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100)] ?? '5xx'
}

/** Answered with an error status, or a stream that ended with an error (its status line said 200). */
export function isFailure(log: RequestLog, status: number): boolean {
  return status >= 400 || log.errorCode !== undefined
}

/** The gateway's or an upstream's fault rather than the caller's: what error rates and span status count. */
export function isServerFailure(log: RequestLog, status: number): boolean {
  if (status >= 500) return true
  return status < 400 && log.errorCode !== undefined && log.errorCode !== CLIENT_CLOSED
}
