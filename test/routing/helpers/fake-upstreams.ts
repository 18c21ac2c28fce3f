import { startFakeAnthropic, type FakeAnthropic, type Script as AnthropicScript } from '../../upstreams/fake-anthropic.js'
import { startFakeOpenAI, type FakeOpenAI, type Script as OpenAIScript } from '../../upstreams/fake-openai.js'

export type UpstreamKind = 'openai' | 'anthropic'

/** The knobs both fakes share (same names, same meaning). */
export type SharedScript = OpenAIScript & AnthropicScript

/** A fake of either kind behind one interface, with the provider config and model that point the gateway at it. */
export type FakeUpstream = {
  kind: UpstreamKind
  name: string
  model: string
  fake: FakeOpenAI | FakeAnthropic
  provider: Record<string, unknown>
  next(...scripts: SharedScript[]): void
  setDefault(script: SharedScript): void
}

export const MODEL_OF: Record<UpstreamKind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' }

export async function startUpstream(kind: UpstreamKind, name: string): Promise<FakeUpstream> {
  const fake = kind === 'openai' ? await startFakeOpenAI({ id: name }) : await startFakeAnthropic({ id: name })
  return {
    kind,
    name,
    model: MODEL_OF[kind],
    fake,
    provider: { name, type: kind, base_url: fake.baseURL, api_key: `sk-${name}-upstream` },
    next: (...scripts) => fake.next(...(scripts as never[])),
    setDefault: (script) => fake.setDefault(script as never),
  }
}

/** Resolves once `check` holds, polling; rejects after `ms` (a deadline for a hung test, not a timing assertion). */
export async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 5))
  }
}

