/**
 * `node bench/src/soak/heapDiff.ts <before.heapsnapshot> <after.heapsnapshot> [top]`:
 * what grew between two heap snapshots of one process (e.g. the ones
 * `SOAK_HEAP_SNAPSHOTS=90,450 pnpm soak` writes), by constructor, and for the
 * biggest growers the shortest retaining path from a GC root to a few of
 * their objects that are new in the second snapshot.
 */
import { readFileSync } from "node:fs"

interface RawSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: ReadonlyArray<string>
      readonly node_types: ReadonlyArray<ReadonlyArray<string> | string>
      readonly edge_fields: ReadonlyArray<string>
      readonly edge_types: ReadonlyArray<ReadonlyArray<string> | string>
    }
  }
  readonly nodes: ReadonlyArray<number>
  readonly edges: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

interface Heap {
  readonly nodeCount: number
  readonly type: (node: number) => string
  readonly name: (node: number) => string
  readonly id: (node: number) => number
  readonly selfSize: (node: number) => number
  /** Edges of a node: [type, name, target node]. */
  readonly edgesOf: (node: number) => Iterable<readonly [string, string, number]>
}

const load = (file: string): Heap => {
  const raw = JSON.parse(readFileSync(file, "utf8")) as RawSnapshot
  const meta = raw.snapshot.meta
  const nodeFieldCount = meta.node_fields.length
  const edgeFieldCount = meta.edge_fields.length
  const nodeTypes = meta.node_types[0] as ReadonlyArray<string>
  const edgeTypes = meta.edge_types[0] as ReadonlyArray<string>
  const f = (name: string) => meta.node_fields.indexOf(name)
  const [typeF, nameF, idF, sizeF, edgeCountF] = [f("type"), f("name"), f("id"), f("self_size"), f("edge_count")]
  const e = (name: string) => meta.edge_fields.indexOf(name)
  const [edgeTypeF, edgeNameF, toF] = [e("type"), e("name_or_index"), e("to_node")]
  const nodeCount = raw.nodes.length / nodeFieldCount
  const firstEdge = new Uint32Array(nodeCount + 1)
  for (let n = 0, edge = 0; n < nodeCount; n++) {
    firstEdge[n] = edge
    edge += raw.nodes[n * nodeFieldCount + edgeCountF]! * edgeFieldCount
    firstEdge[n + 1] = edge
  }
  return {
    nodeCount,
    type: (n) => nodeTypes[raw.nodes[n * nodeFieldCount + typeF]!]!,
    name: (n) => raw.strings[raw.nodes[n * nodeFieldCount + nameF]!]!,
    id: (n) => raw.nodes[n * nodeFieldCount + idF]!,
    selfSize: (n) => raw.nodes[n * nodeFieldCount + sizeF]!,
    edgesOf: function*(n) {
      for (let i = firstEdge[n]!; i < firstEdge[n + 1]!; i += edgeFieldCount) {
        const type = edgeTypes[raw.edges[i + edgeTypeF]!]!
        const nameOrIndex = raw.edges[i + edgeNameF]!
        const name = type === "element" || type === "hidden" ? `[${nameOrIndex}]` : raw.strings[nameOrIndex]!
        yield [type, name, raw.edges[i + toF]! / nodeFieldCount] as const
      }
    }
  }
}

const classOf = (heap: Heap, n: number): string => {
  const type = heap.type(n)
  const name = heap.name(n)
  if (type === "object" || type === "closure" || type === "native") return `${type} ${name.slice(0, 80)}`
  return `(${type})`
}

interface Totals {
  count: number
  bytes: number
}

const totalsByClass = (heap: Heap): Map<string, Totals> => {
  const totals = new Map<string, Totals>()
  for (let n = 0; n < heap.nodeCount; n++) {
    const key = classOf(heap, n)
    const entry = totals.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += heap.selfSize(n)
    totals.set(key, entry)
  }
  return totals
}

/** Breadth-first from the root over strong edges: the parent of each reachable node on a shortest path. */
interface Retainers {
  readonly parent: Int32Array
  /** The edge from the parent, e.g. `.cache` or `[3]`. */
  readonly via: Array<string>
}

const shortestRetainers = (heap: Heap): Retainers => {
  const parent = new Int32Array(heap.nodeCount).fill(-1)
  const via: Array<string> = []
  parent[0] = 0
  const queue = new Int32Array(heap.nodeCount)
  let head = 0
  let tail = 0
  queue[tail++] = 0
  while (head < tail) {
    const n = queue[head++]!
    for (const [type, name, to] of heap.edgesOf(n)) {
      if (type === "weak" || parent[to] !== -1) continue
      parent[to] = n
      via[to] = `${type === "element" ? "" : "."}${name}`
      queue[tail++] = to
    }
  }
  return { parent, via }
}

const pathTo = (heap: Heap, { parent, via }: Retainers, node: number): string => {
  const steps: Array<string> = []
  for (let n = node, guard = 0; n !== 0 && parent[n] !== -1 && guard < 40; n = parent[n]!, guard++) {
    steps.push(`${classOf(heap, n)} via ${via[n]}`)
  }
  if (parent[node] === -1) return "  (unreachable from the root: garbage not yet collected)"
  return steps.reverse().map((step, i) => `  ${" ".repeat(i)}${step}`).join("\n")
}

const [beforeFile, afterFile, topArg] = process.argv.slice(2)
if (beforeFile === undefined || afterFile === undefined) {
  process.stderr.write("usage: node bench/src/soak/heapDiff.ts <before.heapsnapshot> <after.heapsnapshot> [top]\n")
  process.exit(2)
}
const top = Number(topArg ?? "25")
const before = load(beforeFile)
const beforeTotals = totalsByClass(before)
const beforeIds = new Set<number>()
for (let n = 0; n < before.nodeCount; n++) beforeIds.add(before.id(n))
const after = load(afterFile)
const afterTotals = totalsByClass(after)

const rows = [...afterTotals].map(([key, a]) => {
  const b = beforeTotals.get(key) ?? { count: 0, bytes: 0 }
  return { key, count: a.count - b.count, bytes: a.bytes - b.bytes, afterCount: a.count, afterBytes: a.bytes }
}).sort((x, y) => y.bytes - x.bytes)
const totalBefore = [...beforeTotals.values()].reduce((s, t) => s + t.bytes, 0)
const totalAfter = [...afterTotals.values()].reduce((s, t) => s + t.bytes, 0)
process.stdout.write(
  `heap self sizes: ${(totalBefore / 2 ** 20).toFixed(1)} MiB → ${(totalAfter / 2 ** 20).toFixed(1)} MiB ` +
    `(${before.nodeCount} → ${after.nodeCount} nodes)\n\nGrowth by class (Δbytes, Δcount, after):\n`
)
for (const row of rows.slice(0, top)) {
  process.stdout.write(
    `${(row.bytes / 1024).toFixed(0).padStart(10)} KiB ${String(row.count).padStart(9)}   ${row.key}` +
      `   (${row.afterCount} objects, ${(row.afterBytes / 1024).toFixed(0)} KiB)\n`
  )
}

const retainers = shortestRetainers(after)
process.stdout.write("\nShortest retaining paths of objects new in the second snapshot:\n")
for (const row of rows.slice(0, 5)) {
  if (row.count <= 0) continue
  process.stdout.write(`\n${row.key}:\n`)
  let shown = 0
  for (let n = after.nodeCount - 1; n >= 0 && shown < 2; n--) {
    if (classOf(after, n) !== row.key || beforeIds.has(after.id(n))) continue
    process.stdout.write(`${pathTo(after, retainers, n)}\n\n`)
    shown++
  }
}
