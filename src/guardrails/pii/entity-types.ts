// Entity type names follow Microsoft Presidio's where Presidio has one; the others are ours.
export const ENTITY_TYPES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'US_SSN',
  'IBAN_CODE',
  'IP_ADDRESS',
  'URL_CREDENTIALS',
  'SECRET',
  'DATE_OF_BIRTH',
  'PERSON',
  'LOCATION',
  'STREET_ADDRESS',
] as const

export type EntityType = (typeof ENTITY_TYPES)[number]

export const isEntityType = (name: string): name is EntityType => (ENTITY_TYPES as readonly string[]).includes(name)

/** One finding in a text: UTF-16 offsets, a confidence in [0, 1] and which recognizer made it. */
export type Detection = {
  entity: EntityType
  start: number
  end: number
  score: number
  recognizer: string
}

/** A recognizer finds candidate spans of one entity type; scores before context words are applied. */
export type Recognizer = {
  name: string
  entity: EntityType
  /** Words that, seen near a candidate, raise its confidence (lowercase). */
  context: readonly string[]
  /** How much a context word adds to the score; 0.35 when not set (Presidio's default). */
  contextBoost?: number
  find(text: string): Detection[]
}
