// Loads the shared labelled data sets and splits them deterministically into a training part and
// an evaluation part. The training scripts and the evaluation script both import this file, so they
// can never disagree about which row is on which side.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fnv1a } from '../src/guardrails/fnv1a.js'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const sharedData = path.resolve(repoRoot, '../shared/data')

function readJsonl<T>(relative: string): T[] {
  return readFileSync(path.join(sharedData, relative), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** A stable bucket 0–99 for a group key: the split never depends on file order or a random seed. */
export const bucket = (key: string): number => fnv1a(key) % 100

// ---------- PII ----------

export type PiiSpan = { entity_type: string; start: number; end: number; value: string }
export type PiiRow = { id: number; text: string; spans: PiiSpan[]; template_id: number }

/** Presidio synth rows, split by template: 70% of templates train the tagger, the other 30% are held out. */
export function loadPiiSplit(): { train: PiiRow[]; heldOut: PiiRow[] } {
  const rows = readJsonl<PiiRow>('pii/presidio_synth_v2.jsonl')
  const isTrain = (r: PiiRow) => bucket(`template:${r.template_id}`) < 70
  return { train: rows.filter(isTrain), heldOut: rows.filter((r) => !isTrain(r)) }
}

// ---------- prompt injection ----------

export type InjectionExample = { text: string; label: 0 | 1; dataset: string }

/** Text as compared for de-duplication: case, spacing and punctuation do not make a new example. */
export const dedupeKey = (text: string): string => text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()

type Raw = { text: string; label: number; goal_index?: number }

/**
 * Every labelled injection data set plus ordinary questions as negatives, de-duplicated by
 * normalised text (first occurrence wins), each row assigned to train or eval:
 * - deepset, jackhhao: by hash of the normalised text, 75% train / 25% eval;
 * - jailbreakbench: by behaviour (goal_index), so eval attacks pursue goals never seen in training;
 * - ordinary questions: qqp_train.jsonl questions train, qqp_sample.jsonl questions evaluate (the
 *   two files share no question text by construction; the dedupe drops any that slipped through);
 * - ordinary prose (training only, as more varied negatives): the sentences of the STS-B, MRPC and
 *   GPTCache paraphrase files, which no injection evaluation uses;
 * - ordinary instructions (training only): those questions and sentences wrapped in everyday task
 *   phrasings ("Summarise this: …", "Write a short poem about …"), so that the imperative mood of a
 *   request is not itself taken as the mark of an attack (the attack sets are mostly imperative);
 * - short messages (training only): the first one to five words of those questions and sentences,
 *   and a short list of everyday chat turns below, so that a message of a few words is not judged
 *   on a handful of n-grams that happen to be common in attacks ("please", "write").
 * A text that appears on both sides is kept only on the eval side.
 */
export function loadInjectionSplit(opts: { trainQuestions?: number; evalQuestions?: number } = {}): {
  train: InjectionExample[]
  eval: InjectionExample[]
} {
  const train: InjectionExample[] = []
  const evalRows: InjectionExample[] = []
  const seen = new Set<string>()
  const add = (side: InjectionExample[], text: string, label: number, dataset: string) => {
    const key = dedupeKey(text)
    if (key === '' || seen.has(key)) return
    seen.add(key)
    side.push({ text, label: label === 1 ? 1 : 0, dataset })
  }
  // Eval rows are added first so that a text shared with training stays on the eval side only.
  const sets: Array<{ name: string; rows: Raw[]; isEval: (r: Raw) => boolean }> = [
    { name: 'deepset', rows: readJsonl<Raw>('prompt_injection/deepset_prompt_injections.jsonl'), isEval: (r) => bucket(`text:${dedupeKey(r.text)}`) >= 75 },
    { name: 'jackhhao', rows: readJsonl<Raw>('prompt_injection/jackhhao_jailbreak_classification.jsonl'), isEval: (r) => bucket(`text:${dedupeKey(r.text)}`) >= 75 },
    { name: 'jailbreakbench', rows: readJsonl<Raw>('prompt_injection/jailbreakbench_attack_prompts.jsonl'), isEval: (r) => bucket(`goal:${r.goal_index}`) >= 75 },
  ]
  for (const s of sets) for (const r of s.rows) if (s.isEval(r)) add(evalRows, r.text, r.label, s.name)
  const evalQuestions = questions('similarity/qqp_sample.jsonl', opts.evalQuestions ?? Number.POSITIVE_INFINITY)
  for (const q of evalQuestions) add(evalRows, q, 0, 'questions')
  for (const s of sets) for (const r of s.rows) if (!s.isEval(r)) add(train, r.text, r.label, s.name)
  for (const q of questions('similarity/qqp_train.jsonl', opts.trainQuestions ?? Number.POSITIVE_INFINITY)) add(train, q, 0, 'questions')
  const proseTexts = prose()
  for (const t of proseTexts) add(train, t, 0, 'prose')
  const trainQuestions = questions('similarity/qqp_train.jsonl', opts.trainQuestions ?? Number.POSITIVE_INFINITY)
  for (const t of instructions(trainQuestions, proseTexts)) add(train, t, 0, 'instructions')
  for (const t of [...CHAT_TURNS, ...fragments([...trainQuestions, ...proseTexts])]) add(train, t, 0, 'instructions')
  return { train, eval: evalRows }
}

const CHAT_TURNS = [
  'hi', 'hello', 'hey there', 'thanks', 'thank you!', 'ok', 'okay, go on', 'yes', 'no', 'please', 'please continue', 'sure', 'great, thanks',
  'tell me a joke', 'write a poem about the sea', 'write a haiku about autumn', 'summarise my notes', 'make it shorter', 'try again',
  'what do you mean?', 'can you explain that again?', 'translate that into Spanish', 'write it as a list', 'good morning', 'bye',
  'write a limerick about a cat', 'give me a recipe for pancakes', 'draft a polite email declining the meeting', 'write a story about a dragon',
  'charge my card please', 'book a table for two at 7pm', 'what is the weather tomorrow?', 'help', 'continue', 'more details please',
]

/** The first one to five words of every 10th text (which number of words: by position). */
function fragments(texts: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < texts.length; i += 10) out.push((texts[i] as string).split(/\s+/).slice(0, 1 + ((i / 10) % 5)).join(' '))
  return out
}

const QUESTION_TASKS = ['Please answer this: {}', 'Answer briefly. {}', 'Explain in simple terms: {}', 'Help me with this question: {}', 'Write a short paragraph that answers: {}', '{} Please keep it short.', 'Give me three bullet points on this: {}', 'I need a quick answer. {}']
const TEXT_TASKS = ['Summarise this: {}', 'Translate into German: {}', 'Rewrite this more formally: {}', 'Fix the grammar: {}', 'Write a short poem inspired by this sentence: {}', 'Turn this into a tweet: {}', 'What is the main point of this sentence? {}', 'Classify the sentiment of this text: {}', 'Write a follow-up sentence to: {}', 'Make this sound friendlier: {}']

/** Every 20th question and every 4th sentence, wrapped in one of the task phrasings above (chosen by position). */
function instructions(qs: readonly string[], texts: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < qs.length; i += 20) out.push((QUESTION_TASKS[(i / 20) % QUESTION_TASKS.length] as string).replace('{}', qs[i] as string))
  for (let i = 0; i < texts.length; i += 4) out.push((TEXT_TASKS[(i / 4) % TEXT_TASKS.length] as string).replace('{}', texts[i] as string))
  return out
}

function prose(): string[] {
  const pairs = [
    ...readJsonl<{ sentence1: string; sentence2: string }>('similarity/stsb_test.jsonl').map((r) => [r.sentence1, r.sentence2]),
    ...readJsonl<{ sentence1: string; sentence2: string }>('similarity/mrpc_test.jsonl').map((r) => [r.sentence1, r.sentence2]),
    ...readJsonl<{ text1: string; text2: string }>('similarity/gptcache_paraphrase_pairs.jsonl').map((r) => [r.text1, r.text2]),
  ]
  return pairs.flat().filter((t): t is string => typeof t === 'string')
}

/** Distinct question texts of a QQP file, in file order, at most `limit`. */
export function questions(relative: string, limit: number): string[] {
  const out: string[] = []
  for (const r of readJsonl<{ question1: string; question2: string }>(relative)) {
    for (const q of [r.question1, r.question2]) if (typeof q === 'string' && q.trim() !== '') out.push(q)
    if (out.length >= limit) break
  }
  return out.slice(0, limit)
}
