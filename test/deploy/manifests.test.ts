import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { interpolate } from '../../src/config/load.js'
import { configSchema, type Config } from '../../src/config/schema.js'
import { assertSafeBind } from '../../src/server.js'

// The deploy files against the gateway's own config schema and routes: ports, probe paths, config keys, env names.
const repo = fileURLToPath(new URL('../../', import.meta.url))
const deploy = join(repo, 'deploy')
const k8sDir = join(deploy, 'kubernetes')

type Doc = Record<string, any>
const docs: Array<{ file: string; doc: Doc }> = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Doc })))
const one = (kind: string, name?: string) => {
  const found = docs.filter(({ doc }) => doc.kind === kind && (!name || doc.metadata?.name === name))
  expect(found.length, `${kind} ${name ?? ''}`).toBe(1)
  return found[0]!.doc
}

/** Names a gateway.yaml interpolates, split by whether they have a `:-` default. */
function referencedVars(text: string): { required: Set<string>; optional: Set<string> } {
  const required = new Set<string>()
  const optional = new Set<string>()
  for (const m of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) (m[2] ? optional : required).add(m[1]!)
  return { required, optional }
}

/** Parses a gateway.yaml as the gateway would, with a dummy value for every variable it references. */
function parseGatewayYaml(text: string): Config {
  const { required, optional } = referencedVars(text)
  const env = Object.fromEntries([...required, ...optional].map((v) => [v, v === 'REDIS_URL' ? 'redis://redis:6379' : `dummy-${v.toLowerCase()}`]))
  const missing: string[] = []
  const data = interpolate(parse(text), env, [], missing)
  expect(missing).toEqual([])
  const parsed = configSchema.safeParse(data)
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true)
  return parsed.data!
}

const appSource = readFileSync(join(repo, 'src/app.ts'), 'utf8')
const routeExists = (path: string) => appSource.includes(`app.get('${path}'`)

describe('Kubernetes manifests', () => {
  const configMap = one('ConfigMap', 'switchyard-config')
  const gatewayYaml = configMap.data['gateway.yaml'] as string
  const config = parseGatewayYaml(gatewayYaml)
  const deployment = one('Deployment', 'switchyard')
  const pod = deployment.spec.template.spec
  const container = pod.containers.find((c: Doc) => c.name === 'gateway')
  const env = new Map<string, Doc>(container.env.map((e: Doc) => [e.name, e]))

  it('every document names its apiVersion, kind and name', () => {
    expect(docs.length).toBeGreaterThanOrEqual(8)
    for (const { file, doc } of docs) {
      expect(doc.apiVersion, file).toBeTruthy()
      expect(doc.kind, file).toBeTruthy()
      if (doc.kind !== 'Kustomization') expect(doc.metadata?.name, file).toBeTruthy()
    }
  })

  it("the ConfigMap's gateway.yaml passes the config schema and may listen beyond loopback", () => {
    expect(config.server.host).toBe('0.0.0.0')
    expect(config.auth.mode).toBe('keys')
    expect(() => assertSafeBind(config)).not.toThrow()
    expect(config.telemetry.metrics.enabled).toBe(true)
  })

  it('mounts the ConfigMap where SWITCHYARD_CONFIG points', () => {
    const mount = container.volumeMounts.find((m: Doc) => m.name === 'config')
    const volume = pod.volumes.find((v: Doc) => v.name === 'config')
    expect(volume.configMap.name).toBe('switchyard-config')
    expect(env.get('SWITCHYARD_CONFIG')?.value).toBe(join(mount.mountPath, 'gateway.yaml'))
  })

  it('container, Service and scrape ports match server.port', () => {
    const port = container.ports.find((p: Doc) => p.name === 'http')
    expect(port.containerPort).toBe(config.server.port)
    const service = one('Service', 'switchyard')
    expect(service.spec.ports[0].targetPort).toBe('http')
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels)
    const annotations = deployment.spec.template.metadata.annotations
    expect(Number(annotations['prometheus.io/port'])).toBe(config.server.port)
    expect(annotations['prometheus.io/path']).toBe(config.telemetry.metrics.path)
  })

  it('probes /readyz and /healthz, which the app serves', () => {
    expect(container.readinessProbe.httpGet.path).toBe('/readyz')
    expect(container.livenessProbe.httpGet.path).toBe('/healthz')
    expect(container.readinessProbe.httpGet.port).toBe('http')
    expect(routeExists('/readyz')).toBe(true)
    expect(routeExists('/healthz')).toBe(true)
  })

  it('secret env names are exactly the keys gateway.yaml interpolates, and every required one is set', () => {
    const { required, optional } = referencedVars(gatewayYaml)
    const fromSecrets = [...env.values()].filter((e) => e.valueFrom?.secretKeyRef)
    for (const e of fromSecrets) {
      expect(required.has(e.name) || optional.has(e.name), `${e.name} is used by gateway.yaml`).toBe(true)
      expect(e.valueFrom.secretKeyRef.name).toBe('switchyard-secrets')
      expect(e.valueFrom.secretKeyRef.key).toBe(e.name)
    }
    for (const name of required) expect(env.has(name), `${name} is set on the container`).toBe(true)
    expect(env.get('SWITCHYARD_ADMIN_KEY')?.valueFrom?.secretKeyRef).toBeTruthy()
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']) expect(env.get(name)?.valueFrom?.secretKeyRef?.optional).toBe(true)
    const secret = one('Secret', 'switchyard-secrets')
    expect(Object.keys(secret.stringData).sort()).toEqual(fromSecrets.map((e) => e.name).sort())
  })

  it('points REDIS_URL at the Redis Service', () => {
    const redisService = one('Service', 'switchyard-redis')
    const url = new URL(env.get('REDIS_URL')!.value)
    expect(url.hostname).toBe(redisService.metadata.name)
    expect(Number(url.port)).toBe(redisService.spec.ports[0].port)
    expect(one('Deployment', 'switchyard-redis').spec.template.metadata.labels).toEqual(redisService.spec.selector)
  })

  it('drains within the grace period: preStop pause + drain_timeout_ms ≤ terminationGracePeriodSeconds ≤ 30 s', () => {
    const grace = pod.terminationGracePeriodSeconds as number
    const pause = Number(container.lifecycle.preStop.exec.command[1])
    expect(grace).toBeLessThanOrEqual(30)
    expect(pause * 1000 + config.server.drain_timeout_ms).toBeLessThan(grace * 1000)
  })

  it('HPA and PDB target the gateway; kustomization lists files that exist', () => {
    const hpa = one('HorizontalPodAutoscaler', 'switchyard')
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'switchyard' })
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2)
    const pdb = one('PodDisruptionBudget', 'switchyard')
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels)
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas)
    const kustomization = one('Kustomization').resources as string[]
    for (const f of kustomization) expect(existsSync(join(k8sDir, f)), f).toBe(true)
    expect(kustomization).not.toContain('secret.example.yaml')
  })

  it('runs as the image user without root', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true)
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false)
  })
})

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as Doc
  const services = compose.services as Record<string, Doc>
  const gateways = ['switchyard-1', 'switchyard-2']
  const bindMounts = (s: Doc) => (s.volumes as string[]).map((v) => v.split(':')).filter(([src]) => src!.startsWith('.'))

  it('has two gateway replicas, Redis, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'prometheus', 'redis', 'switchyard-1', 'switchyard-2'])
  })

  it('mounts a gateway.yaml that passes the schema at SWITCHYARD_CONFIG, with every variable it needs', () => {
    for (const name of gateways) {
      const s = services[name]!
      const mount = bindMounts(s).find(([, target]) => target === s.environment.SWITCHYARD_CONFIG)
      expect(mount, name).toBeTruthy()
      const text = readFileSync(resolve(deploy, mount![0]!), 'utf8')
      const config = parseGatewayYaml(text)
      expect(() => assertSafeBind(config)).not.toThrow()
      expect(s.ports).toEqual([expect.stringMatching(new RegExp(`^\\d+:${config.server.port}$`))])
      for (const v of referencedVars(text).required) expect(Object.keys(s.environment), `${name} sets ${v}`).toContain(v)
      expect(new URL(s.environment.REDIS_URL).hostname).toBe('redis')
      expect(parseInt(s.stop_grace_period, 10) * 1000).toBeGreaterThan(config.server.drain_timeout_ms)
    }
    expect(new Set(gateways.map((g) => services[g]!.ports[0]!.split(':')[0])).size).toBe(2)
  })

  it('Prometheus scrapes both replicas at the metrics path with the shared alert rules', () => {
    const mounts = bindMounts(services.prometheus!)
    const configMount = mounts.find(([, t]) => t === '/etc/prometheus/prometheus.yml')!
    const prom = parse(readFileSync(resolve(deploy, configMount[0]!), 'utf8')) as Doc
    const job = prom.scrape_configs.find((j: Doc) => j.job_name === 'switchyard')
    const gatewayConfig = parseGatewayYaml(readFileSync(join(deploy, 'compose/gateway.yaml'), 'utf8'))
    expect(job.metrics_path).toBe(gatewayConfig.telemetry.metrics.path)
    expect(job.static_configs[0].targets.sort()).toEqual(gateways.map((g) => `${g}:${gatewayConfig.server.port}`))
    for (const rules of prom.rule_files as string[])
      expect(mounts.find(([, t]) => t === join(dirname(configMount[1]!), rules))?.[0], rules).toBe('./prometheus/alerts.yml')
  })

  it('Grafana gets the provisioning and dashboards from deploy/grafana, with Prometheus as its datasource', () => {
    const mounts = bindMounts(services.grafana!)
    expect(mounts.map(([src, target]) => [src, target])).toEqual([
      ['./grafana/provisioning', '/etc/grafana/provisioning'],
      ['./grafana/dashboards', '/var/lib/grafana/dashboards'],
    ])
    const datasource = parse(readFileSync(join(deploy, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as Doc
    expect(new URL(datasource.datasources[0].url).hostname).toBe('prometheus')
    expect(readdirSync(join(deploy, 'grafana/dashboards')).some((f) => f.endsWith('.json'))).toBe(true)
  })

  it('every bind-mounted file exists', () => {
    for (const [name, s] of Object.entries(services))
      for (const [src] of s.volumes ? bindMounts(s) : []) expect(existsSync(resolve(deploy, src!)), `${name}: ${src}`).toBe(true)
  })
})
