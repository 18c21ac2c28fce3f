/**
 * A canonical request the Anthropic API cannot express (audio input, n > 1 …). The provider turns it
 * into a non-retryable 400 UpstreamError naming `param`, the field in the client's request.
 */
export class UnsupportedFeatureError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message)
    this.name = 'UnsupportedFeatureError'
  }
}
