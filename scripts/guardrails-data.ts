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
 *   GPTCache paraphrase files, which no injection evaluation uses.
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
  for (const t of prose()) add(train, t, 0, 'prose')
  return { train, eval: evalRows }
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
function questions(relative: string, limit: number): string[] {
  const out: string[] = []
  for (const r of readJsonl<{ question1: string; question2: string }>(relative)) {
    for (const q of [r.question1, r.question2]) if (typeof q === 'string' && q.trim() !== '') out.push(q)
    if (out.length >= limit) break
  }
  return out.slice(0, limit)
}
