import { isIPv6 } from 'node:net'
import type { Detection, Recognizer } from '../entity-types.js'

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
// Not part of a longer dotted number such as a version string 1.2.3.4.5.
const IPV4 = new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?![\\d]|\\.\\d)`, 'g')
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g

export const ipAddressRecognizer: Recognizer = {
  name: 'ip-address',
  entity: 'IP_ADDRESS',
  context: ['ip', 'address', 'server', 'host', 'ipv4', 'ipv6', 'connect', 'login', 'from'],
  find(text) {
    const out: Detection[] = []
    if (text.includes('.'))
      for (const m of text.matchAll(IPV4)) out.push({ entity: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, score: 0.7, recognizer: 'ipv4' })
    if (text.includes(':'))
      for (const m of text.matchAll(IPV6_CANDIDATE)) {
        // Needs at least two hex groups so that times (12:30) and C++ scopes (a::b) are not taken.
        if ((m[0].match(/[0-9A-Fa-f]+/g)?.length ?? 0) < 3 || !isIPv6(m[0])) continue
        out.push({ entity: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, score: 0.8, recognizer: 'ipv6' })
      }
    return out
  },
}
