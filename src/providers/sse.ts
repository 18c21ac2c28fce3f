export type SseEvent = { event: string | undefined; data: string }

/**
 * Parses a text/event-stream byte stream into events (WHATWG rules: `event:` and `data:` fields,
 * multi-line data joined by \n, comments and unknown fields ignored, \n, \r\n or \r line ends).
 * A final event without its blank line is still delivered: the caller decides whether the stream
 * ended cleanly from what it saw, not from the framing.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event: string | undefined
  let data: string[] = []
  const takeLine = (line: string): SseEvent | undefined => {
    if (line === '') {
      if (data.length === 0) {
        event = undefined
        return undefined
      }
      const out = { event, data: data.join('\n') }
      event = undefined
      data = []
      return out
    }
    if (line.charCodeAt(0) === 58 /* : */) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
    return undefined
  }
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true })
    let start = 0
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i)
      if (ch !== 10 && ch !== 13) continue
      // A \r at the very end may be the first half of \r\n: wait for the next bytes.
      if (ch === 13 && i === buffer.length - 1) break
      const ev = takeLine(buffer.slice(start, i))
      if (ch === 13 && buffer.charCodeAt(i + 1) === 10) i++
      start = i + 1
      if (ev) yield ev
    }
    buffer = buffer.slice(start)
  }
  buffer += decoder.decode()
  if (buffer.length > 0) {
    for (const line of buffer.split(/\r\n|\r|\n/)) {
      const ev = takeLine(line)
      if (ev) yield ev
    }
  }
  const last = takeLine('')
  if (last) yield last
}
