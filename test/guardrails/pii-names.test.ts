import { describe, expect, it } from 'vitest'
import { loadGuardrailModels } from '../../src/guardrails/models.js'
import { compilePiiDetector } from '../../src/guardrails/pii/detector.js'

const detect = compilePiiDetector({ entities: new Set(['PERSON']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
const names = (text: string) => detect(text).map((d) => text.slice(d.start, d.end))

describe('person names from the tagger', () => {
  it('finds a name after an honorific', () => {
    expect(names('Please forward this to Mrs. Kathrine Filemonsen tomorrow.')).toContain('Kathrine Filemonsen')
  })

  it('never takes a capitalised pronoun, question word or form label for a name', () => {
    for (const text of ['What is the best way to learn Python?', 'When I arrived the office was closed.', 'You can reach the front desk any time.', 'Phone: 555 0100'])
      expect(names(text)).toEqual([])
  })

  it('finds names after an honorific or a name frame, and in lowercase text', () => {
    expect(names('Yesterday Mr. Bartholomew Quist called about the invoice.')).toContain('Bartholomew Quist')
    expect(names('Hi Freddy, thanks for the quick reply.').join(' ')).toContain('Freddy')
    expect(names('my name is anneliese and i need help').join(' ')).toContain('anneliese')
    expect(names('They named her Ilvasse last spring.')).toEqual(['Ilvasse'])
    expect(names('Please add my nephew Orvalle to the booking.')).toEqual(['Orvalle'])
  })

  it('does not take organisations, days or nationalities for names', () => {
    expect(names('I bought it from Miller Ltd on Tuesday.')).toEqual([])
    expect(names('There is a nice new Hungarian place downtown.')).toEqual([])
    expect(names('Why is Islam growing so fast?')).toEqual([])
    expect(names('Facebook: What should I do if it depresses me to see that my friends on Facebook have everything?')).toEqual([])
    expect(places('How do I turn off screen overlay in Android?')).toEqual([])
    expect(names('Why do some Chinese and Japanese dislike Koreans？I see many people scorn Koreans.')).toEqual([])
  })

  it('does not take a host name, a band with a number or a firm before its line of business for a name', () => {
    expect(names('Contact: jens.LakeOrbit@mail.de')).toEqual([])
    expect(names('What is Kaufmich.com?')).toEqual([])
    expect(names('Mr.Smith called.')).toEqual(['Smith'])
    expect(names('Blink-182 played the old songs, and Producer Mira Holt loved it.')).toEqual(['Mira Holt'])
    expect(names('Garrison Investments is a design agency based in Leeds.')).toEqual([])
    expect(names('Talk to Garrison Hale Consulting about the audit.')).toEqual([])
  })
})

const places = compilePiiDetector({ entities: new Set(['PERSON', 'LOCATION']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
describe('places from the tagger and its rules', () => {
  it('reads a country the tagger took for a name, and a place after a travel frame, as LOCATION', () => {
    const found = (text: string) => places(text).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`)
    expect(found('France was wonderful last spring.')).toContain('LOCATION:France')
    expect(found('Last week Ms. Okonkwo flew to Trondheim for a meeting.')).toContain('LOCATION:Trondheim')
  })

  it('takes only what looks like an address for one: not a programming language, a site or an exam and its year', () => {
    const addresses = compilePiiDetector({ entities: new Set(['PERSON', 'STREET_ADDRESS']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
    const found = (text: string) => addresses(text).filter((d) => d.entity === 'STREET_ADDRESS').map((d) => text.slice(d.start, d.end))
    for (const text of ['What are the functions of preprocessor directives in C++?', 'How to start preparing for UPSC 2018?', 'Why are people on Quora so obsessed with IQ?'])
      expect(found(text)).toEqual([])
    expect(found('We played early shows on Marten Hollow Street last year.')).toEqual(['Marten Hollow'])
    expect(found('Ship it to:\n44 Elm Road\n Apt. 3\n Bristol\n BS1 4DJ')).toEqual(['44 Elm Road\n Apt. 3\n Bristol\n BS1 4DJ'])
  })

  it('takes a short acronym for a place only in an address or after a preposition of place', () => {
    const found = (text: string) => places(text).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`)
    expect(found('How do I prepare for GATE?')).toEqual([])
    expect(found('Why did NASA stop the shuttle?')).toEqual([])
    expect(found('He grew up in LUND and moved on.')).toEqual(['LOCATION:LUND'])
  })

  it('keeps the town after the one comma of a one-line address apart, as LOCATION, when LOCATION is on', () => {
    const all = compilePiiDetector({ entities: new Set(['STREET_ADDRESS', 'LOCATION']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
    const addressOnly = compilePiiDetector({ entities: new Set(['STREET_ADDRESS']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
    const found = (detect: typeof all, text: string) => detect(text).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`)
    expect(found(all, 'Send it to 12 Mill Lane, Leeds')).toEqual(['STREET_ADDRESS:12 Mill Lane', 'LOCATION:Leeds'])
    expect(found(addressOnly, 'Send it to 12 Mill Lane, Leeds')).toEqual(['STREET_ADDRESS:12 Mill Lane, Leeds'])
    expect(found(all, 'Ship to 44 Elm Road, Bristol, United Kingdom')).toEqual(['STREET_ADDRESS:44 Elm Road, Bristol, United Kingdom'])
  })

  it('reads a one-word German or Nordic street name as part of an address, not a name or a town', () => {
    const withAddress = compilePiiDetector({ entities: new Set(['PERSON', 'LOCATION', 'STREET_ADDRESS']), minConfidence: 0.5, tagger: loadGuardrailModels().tagger })
    const found = (text: string) => withAddress(text).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`)
    expect(found('Address:\nOttakringer Hauptstrasse 31 Mill Lane\n Suite 245\n Wels')).toContain('STREET_ADDRESS:Ottakringer Hauptstrasse')
    expect(found('I moved to Kastanienallee 12, Berlin')).toEqual(['STREET_ADDRESS:Kastanienallee', 'LOCATION:Berlin'])
  })

})
