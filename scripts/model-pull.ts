// npm run model:pull -- [NAME …]: downloads stronger embedding models for the semantic cache where the
// Hugging Face Hub is reachable (not needed for the default model, which is built offline from an npm
// package). Files land in .cache/models/NAME (or $SWITCHYARD_MODEL_DIR/NAME); the script then prints the
// config block and the calibration command for each.
//
//   npm run model:pull                       # all-MiniLM-L6-v2
//   npm run model:pull -- bge-small-en-v1.5 potion-base-8M
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

type Pullable = { repo: string; kind: 'onnx' | 'static'; files: Record<string, string>; note: string }

// Each entry maps a local file name to its path in the model's Hub repository (pinned to `main`).
const MODELS: Record<string, Pullable> = {
  'all-MiniLM-L6-v2': {
    repo: 'sentence-transformers/all-MiniLM-L6-v2',
    kind: 'onnx',
    files: {
      'model.onnx': 'onnx/model.onnx',
      'tokenizer.json': 'tokenizer.json',
      'tokenizer_config.json': 'tokenizer_config.json',
      '1_Pooling/config.json': '1_Pooling/config.json',
      'sentence_bert_config.json': 'sentence_bert_config.json',
    },
    note: '384-d, mean pooling, ~90 MB; a few ms per embedding on one core',
  },
  'bge-small-en-v1.5': {
    repo: 'BAAI/bge-small-en-v1.5',
    kind: 'onnx',
    files: {
      'model.onnx': 'onnx/model.onnx',
      'tokenizer.json': 'tokenizer.json',
      'tokenizer_config.json': 'tokenizer_config.json',
      '1_Pooling/config.json': '1_Pooling/config.json',
      'sentence_bert_config.json': 'sentence_bert_config.json',
    },
    note: '384-d, CLS pooling, ~130 MB',
  },
  'potion-base-8M': {
    repo: 'minishlab/potion-base-8M',
    kind: 'static',
    files: { 'model.safetensors': 'model.safetensors', 'tokenizer.json': 'tokenizer.json', 'config.json': 'config.json' },
    note: 'model2vec static model, 256-d, ~30 MB; as fast as the default',
  },
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const modelRoot = process.env.SWITCHYARD_MODEL_DIR ?? join(repoRoot, '.cache', 'models')
const hub = process.env.HF_ENDPOINT ?? 'https://huggingface.co'

async function download(url: string, to: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(300_000) })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const body = new Uint8Array(await res.arrayBuffer())
      await mkdir(dirname(to), { recursive: true })
      await writeFile(to, body)
      return body.length
    } catch (err) {
      if (attempt >= 3) throw new Error(`${url}: ${String(err)}`)
      await new Promise((r) => setTimeout(r, 1000 * attempt))
    }
  }
}

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'))
for (const name of names.length > 0 ? names : ['all-MiniLM-L6-v2']) {
  const model = MODELS[name]
  if (!model) {
    console.error(`unknown model '${name}'; available: ${Object.keys(MODELS).join(', ')}`)
    process.exit(2)
  }
  const dir = join(modelRoot, name)
  if (await stat(join(dir, Object.keys(model.files)[0]!)).then(() => true, () => false)) {
    console.log(`${name}: already in ${dir}`)
  } else {
    const tmp = `${dir}.partial-${process.pid}`
    await rm(tmp, { recursive: true, force: true })
    try {
      for (const [local, remote] of Object.entries(model.files)) {
        const bytes = await download(`${hub}/${model.repo}/resolve/main/${remote}`, join(tmp, local))
        console.log(`${name}: ${local} (${(bytes / 1e6).toFixed(1)} MB)`)
      }
      await rm(dir, { recursive: true, force: true })
      await rename(tmp, dir)
    } catch (err) {
      await rm(tmp, { recursive: true, force: true })
      console.error(`${name}: download failed (${String(err)}). This needs access to ${hub}; the default model needs none.`)
      process.exit(1)
    }
  }
  const path = relative(process.cwd(), dir) || dir
  console.log(`\n${name} (${model.note}) is ready. Calibrate it, then point the cache at it:\n`)
  console.log(`  npm run cache:calibrate -- --pairs ../shared/data/similarity/qqp_train.jsonl --kind ${model.kind} --path ${path} --write\n`)
  console.log(`  cache:\n    semantic:\n      embedding: { kind: ${model.kind}, path: ${path} }\n`)
}
