import type { Recognizer } from '../entity-types.js'
import { creditCardRecognizer } from './credit-card.js'
import { dateOfBirthRecognizer } from './date-of-birth.js'
import { emailRecognizer } from './email.js'
import { ibanRecognizer } from './iban.js'
import { ipAddressRecognizer } from './ip-address.js'
import { phoneRecognizer } from './phone.js'
import { secretsRecognizer } from './secrets.js'
import { urlCredentialsRecognizer } from './url-credentials.js'
import { usSsnRecognizer } from './us-ssn.js'

/** The pattern recognizers, most specific first (the order breaks ties between overlapping findings). */
export const PATTERN_RECOGNIZERS: readonly Recognizer[] = [
  secretsRecognizer,
  urlCredentialsRecognizer,
  emailRecognizer,
  ibanRecognizer,
  creditCardRecognizer,
  usSsnRecognizer,
  ipAddressRecognizer,
  phoneRecognizer,
  dateOfBirthRecognizer,
]
