/**
 * A request the local model cannot serve as asked (images, tools, n > 1 …), found by the pure converters.
 * The provider turns it into a non-retryable 400 naming `param`, the field in the client's request.
 */
export class UnsupportedRequest extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message)
    this.name = 'UnsupportedRequest'
  }
}
