import { UpstreamError } from '../providers/upstream-error.js'

function onTimeout(self: AttemptSignal, what: 'answer' | 'first token'): void {
  const p = self.provider
  const message = what === 'answer' ? `${p} did not answer within ${self.timeoutMs} ms` : `${p} sent no first token within ${self.firstTokenMs} ms`
  self.abort(new UpstreamError(p, 'timeout', message))
}

/**
 * The signal one attempt hands its provider: aborted when the client goes away, when the attempt's
 * `timeout_ms` runs out, or (streams) when no content came within `first_token_timeout_ms`. A class
 * with timers given arguments, so an attempt costs no closures.
 */
export class AttemptSignal {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout
  private firstTokenTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly parent: AbortSignal,
    readonly provider: string,
    readonly timeoutMs: number,
    readonly firstTokenMs?: number,
  ) {
    if (parent.aborted) this.controller.abort(parent.reason)
    else parent.addEventListener('abort', this)
    this.timer = setTimeout(onTimeout, timeoutMs, this, 'answer')
    if (firstTokenMs !== undefined) this.firstTokenTimer = setTimeout(onTimeout, firstTokenMs, this, 'first token')
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** EventListener for the parent's abort: the client went away. */
  handleEvent(): void {
    this.controller.abort(this.parent.reason)
  }

  abort(reason: unknown): void {
    this.controller.abort(reason)
  }

  /** The first content arrived: only the whole-attempt timeout applies from here on. */
  firstTokenArrived(): void {
    clearTimeout(this.firstTokenTimer)
  }

  /** The attempt is over (answered, failed or its stream ended): stop the timers and the parent listener. */
  done(): void {
    clearTimeout(this.timer)
    clearTimeout(this.firstTokenTimer)
    this.parent.removeEventListener('abort', this)
  }
}
