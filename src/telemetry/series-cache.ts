/**
 * Labelled children of one metric, kept in a tree of Maps keyed by label value, so that recording a request
 * is a few Map lookups: the child (and its label object) is built once per distinct combination.
 */
export class SeriesCache<T> {
  private readonly root = new Map<string, unknown>()

  constructor(
    private readonly depth: number,
    private readonly create: (...values: string[]) => T,
  ) {}

  get(...values: string[]): T {
    let node = this.root
    for (let i = 0; i < this.depth - 1; i++) {
      let next = node.get(values[i]!) as Map<string, unknown> | undefined
      if (!next) node.set(values[i]!, (next = new Map()))
      node = next
    }
    const last = values[this.depth - 1]!
    let child = node.get(last) as T | undefined
    if (child === undefined) node.set(last, (child = this.create(...values)))
    return child
  }
}

/** The label value standing for every name past the cap. */
const OTHER = '_other'

/**
 * Label values that are not known at config load (key and team names: virtual keys are created at run time)
 * are capped: the first `max` distinct names get their own series, later ones share `_other`.
 */
export class BoundedValues {
  private readonly seen = new Set<string>()

  constructor(private readonly max: number) {}

  value(name: string | undefined): string {
    if (name === undefined || name === '') return ''
    if (this.seen.has(name)) return name
    if (this.seen.size >= this.max) return OTHER
    this.seen.add(name)
    return name
  }
}
