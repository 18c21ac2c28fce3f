import { pino } from 'pino'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../src/config/schema.js'
import { compileRuntime } from '../src/runtime.js'

function capture() {
  const lines: Array<{ msg: string; target?: string }> = []
  const logger = pino({ level: 'warn' }, new Writable({ write: (b, _e, cb) => (lines.push(JSON.parse(String(b))), cb()) }))
  return { logger, lines }
}

describe('config load with a target the price table does not know', () => {
  it('warns that budgets would not be charged for it, and stays quiet for priced and local targets', async () => {
    const { logger, lines } = capture()
    const config = configSchema.parse({
      providers: [
        { name: 'openai', type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-x' },
        { name: 'local', type: 'llama', model_path: 'models/none.gguf' },
      ],
      models: [
        { name: 'mystery', targets: [{ provider: 'openai', model: 'gpt-unpriced-9000' }] },
        { name: 'mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
        { name: 'tiny', targets: [{ provider: 'local', model: 'default' }] },
      ],
    })
    const rt = compileRuntime(config, { configDir: process.cwd(), logger })
    await new Promise((r) => setImmediate(r))
    const warnings = lines.filter((l) => l.msg.includes('no price'))
    expect(warnings.map((w) => w.target)).toEqual(['openai/gpt-unpriced-9000'])
    await rt.close()
  })
})
