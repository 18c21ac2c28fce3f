import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// No Docker engine runs in CI: these check the Dockerfile's facts; scripts/docker-build-check.sh replays its build.
const repo = fileURLToPath(new URL('../../', import.meta.url))
const text = readFileSync(`${repo}Dockerfile`, 'utf8')

/** Instructions with backslash continuations joined and comments dropped, grouped by stage. */
function stages(dockerfile: string): string[][] {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  const out: string[][] = []
  for (const l of lines) {
    if (/^FROM\s/i.test(l)) out.push([])
    out[out.length - 1]!.push(l)
  }
  return out
}
const all = stages(text)
const final = all[all.length - 1]!
const build = all[0]!
const of = (stage: string[], op: string) => stage.filter((l) => l.toUpperCase().startsWith(`${op} `)).map((l) => l.slice(op.length + 1).trim())

/** .dockerignore semantics: patterns in order, the last match wins, `!` re-includes, a matched folder excludes its files. */
function excluded(patterns: string[], path: string): boolean {
  const parts = path.replace(/\/+$/, '').split('/')
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
  let out = false
  for (const p of patterns) {
    const negate = p.startsWith('!')
    const re = new RegExp(`^${(negate ? p.slice(1) : p).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`)
    if (prefixes.some((q) => re.test(q))) out = !negate
  }
  return out
}

describe('Dockerfile', () => {
  it('is multi-stage on a Node 20 slim base', () => {
    expect(all.length).toBeGreaterThanOrEqual(2)
    for (const stage of all) expect(of(stage, 'FROM')[0]).toMatch(/^node:20[\w.-]*-slim\b/)
    expect(of(build, 'FROM')[0]).toMatch(/\bAS build$/i)
  })

  it('ships production dependencies only, without downloading binaries', () => {
    const runs = of(build, 'RUN')
    const install = runs.findIndex((r) => /\bnpm ci\b/.test(r))
    const prune = runs.findIndex((r) => /\bnpm prune\b.*--omit=dev/.test(r))
    expect(install).toBeGreaterThanOrEqual(0)
    expect(prune).toBeGreaterThan(install)
    expect(of(build, 'ENV').join(' ')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/)
  })

  it('drops the GPU and other-platform native builds', () => {
    const prune = of(build, 'RUN').join(' ')
    for (const dir of ['@node-llama-cpp/*cuda*', '@node-llama-cpp/*vulkan*', '@node-llama-cpp/*arm*', 'onnxruntime-node/bin/napi-v*/darwin', 'onnxruntime-node/bin/napi-v*/win32', 'onnxruntime-node/bin/napi-v*/linux/arm64'])
      expect(prune).toContain(dir)
  })

  it('runs as a non-root user, exposes 8080 and checks /healthz', () => {
    const user = of(final, 'USER')
    expect(user.length).toBe(1)
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/)
    expect(final.indexOf(`USER ${user[0]}`)).toBeGreaterThan(Math.max(...final.map((l, i) => (/^(COPY|RUN) /.test(l) ? i : -1))))
    expect(of(final, 'EXPOSE')).toEqual(['8080'])
    expect(of(final, 'HEALTHCHECK').join(' ')).toMatch(/\/healthz/)
  })

  it('reads its config from a mounted file and starts the compiled gateway, built in the build stage', () => {
    expect(of(final, 'ENV').join(' ')).toMatch(/SWITCHYARD_CONFIG=\/etc\/switchyard\/gateway\.yaml/)
    expect(JSON.parse(of(final, 'CMD')[0]!)).toEqual(['node', 'dist/main.js'])
    expect(of(build, 'RUN').some((r) => r.includes('node scripts/build.mjs'))).toBe(true)
    expect(of(final, 'STOPSIGNAL')).toEqual(['SIGTERM'])
  })

  it('copies only files that exist and that .dockerignore does not exclude', () => {
    const ignored = readFileSync(`${repo}.dockerignore`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    const copies = all.flatMap((stage) => of(stage, 'COPY')).filter((c) => !c.startsWith('--from='))
    expect(copies.length).toBeGreaterThan(0)
    for (const copy of copies) {
      const sources = copy.split(/\s+/).filter((p) => !p.startsWith('--')).slice(0, -1)
      for (const src of sources) {
        expect(existsSync(`${repo}${src}`), `${src} exists`).toBe(true)
        expect(excluded(ignored, src), `${src} is not excluded by .dockerignore`).toBe(false)
      }
    }
  })

  it('copies from the build stage only what the build stage produced', () => {
    const fromBuild = final.filter((l) => l.startsWith('COPY --from=build'))
    expect(fromBuild.map((l) => l.split(/\s+/)[2])).toEqual(['/app/node_modules', '/app/.cache', '/app/dist'])
    expect(of(build, 'WORKDIR')).toEqual(['/app'])
  })
})
