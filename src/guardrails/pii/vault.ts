import type { EntityType } from './entity-types.js'
import { placeholderFor } from './placeholders.js'

/**
 * One request's redactions: the same value always gets the same placeholder, and placeholders of
 * restorable entity types map back to the caller's value. Lives only as long as the request.
 */
export class PiiVault {
  private readonly byValue = new Map<string, string>()
  private readonly restorable = new Map<string, string>()
  private readonly counters = new Map<EntityType, number>()

  placeholder(entity: EntityType, value: string, restore: boolean): string {
    const key = `${entity}\u0000${value}`
    let placeholder = this.byValue.get(key)
    if (placeholder === undefined) {
      const n = (this.counters.get(entity) ?? 0) + 1
      this.counters.set(entity, n)
      placeholder = placeholderFor(entity, n)
      this.byValue.set(key, placeholder)
      if (restore) this.restorable.set(placeholder, value)
    }
    return placeholder
  }

  /** The caller's value behind a placeholder, if it may be restored. */
  valueOf(placeholder: string): string | undefined {
    return this.restorable.get(placeholder)
  }

  get canRestore(): boolean {
    return this.restorable.size > 0
  }
}
