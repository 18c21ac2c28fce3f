/** Ranks with ties averaged (1-based). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  const out = new Array<number>(values.length)
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1
    i = j + 1
  }
  return out
}

/** Spearman's rank correlation: Pearson correlation of the ranks. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = ranks(x)
  const ry = ranks(y)
  const mean = (rx.length + 1) / 2
  let num = 0
  let dx = 0
  let dy = 0
  for (let i = 0; i < rx.length; i++) {
    num += (rx[i]! - mean) * (ry[i]! - mean)
    dx += (rx[i]! - mean) ** 2
    dy += (ry[i]! - mean) ** 2
  }
  return num / Math.sqrt(dx * dy)
}
