import { existsSync } from 'node:fs'
import { InjectionClassifier } from './injection/classifier-model.js'
import { TaggerModel } from './pii/ner/tagger-model.js'

/** The trained artifacts in models/ (see each folder's PROVENANCE.md). Loaded once per process. */
export type GuardrailModels = { tagger: TaggerModel; classifier: InjectionClassifier }

const TAGGER_FILE = new URL('../../models/pii-tagger/tagger.bin', import.meta.url)
const CLASSIFIER_FILE = new URL('../../models/injection/classifier.bin', import.meta.url)

let loaded: GuardrailModels | undefined

export function loadGuardrailModels(): GuardrailModels {
  if (loaded !== undefined) return loaded
  for (const file of [TAGGER_FILE, CLASSIFIER_FILE])
    if (!existsSync(file)) throw new Error(`guardrail model ${file.pathname} is missing: run npm run train:pii-tagger and npm run train:injection`)
  loaded = { tagger: TaggerModel.load(TAGGER_FILE), classifier: InjectionClassifier.load(CLASSIFIER_FILE) }
  return loaded
}
