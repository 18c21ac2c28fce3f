import type { Detection, Recognizer } from '../entity-types.js'

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?'
const DATE = new RegExp(
  [
    '\\b\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})\\b',
    '\\b\\d{4}-\\d{1,2}-\\d{1,2}\\b',
    `\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b`,
    `\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+\\d{4}\\b`,
  ].join('|'),
  'gi',
)

// A date alone is not personal data; a date of birth is. The base score stays below any sane
// threshold and only the context words (born, DOB, birthday …) lift it.
export const dateOfBirthRecognizer: Recognizer = {
  name: 'date-of-birth',
  entity: 'DATE_OF_BIRTH',
  contextBoost: 0.6,
  context: ['born', 'birth', 'birthday', 'birthdate', 'dob', 'd.o.b', 'date of birth', 'geboren', 'né', 'née'],
  find(text) {
    const out: Detection[] = []
    for (const m of text.matchAll(DATE)) out.push({ entity: 'DATE_OF_BIRTH', start: m.index, end: m.index + m[0].length, score: 0.15, recognizer: 'date-of-birth' })
    return out
  },
}
