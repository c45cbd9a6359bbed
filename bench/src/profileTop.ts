/**
 * Summarises a V8 CPU profile (`node --cpu-prof`), e.g. one written by the
 * Hoard process during `BENCH_HOARD_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" pnpm bench`.
 *
 * Usage: node bench/src/profileTop.ts <file.cpuprofile> [top=25] [inclusive-filter-regex]
 * Prints: busy time, time per package, the top frames by self time, and the
 * top frames by inclusive time whose name matches the filter (default: Hoard's
 * own packages).
 */
import { readFileSync } from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const [file, topArgument, filterArgument] = process.argv.slice(2)
if (file === undefined) {
  process.stderr.write("usage: node bench/src/profileTop.ts <file.cpuprofile> [top] [inclusive-filter-regex]\n")
  process.exit(2)
}
const top = Number(topArgument ?? 25)
const inclusiveFilter = new RegExp(filterArgument ?? "packages/[^/]+/src/", "u")
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parentOf = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)

const specialFrames = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"])

/** Where a frame's code lives: a package, Node itself, or a Hoard package. */
const packageOf = ({ functionName, url }: CallFrame): string => {
  if (specialFrames.has(functionName)) return functionName
  if (url === "") return "(native)"
  if (url.startsWith("node:")) return "node internals"
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/u.exec(url)
  if (pnpm?.[1] !== undefined) return pnpm[1].replace("+", "/")
  const hoard = /\/packages\/([^/]+)\/src\//u.exec(url)
  if (hoard?.[1] !== undefined) return `@hoard/${hoard[1]}`
  const plain = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/u.exec(url)
  return plain?.[1] ?? url.replace(/^file:\/\//u, "")
}

const shortUrl = (url: string): string =>
  url.replace(/^file:\/\//u, "").replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//u, "").replace(/^.*\/work\/main\//u, "")

const frameKey = (frame: CallFrame): string =>
  specialFrames.has(frame.functionName) ? frame.functionName : `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
const perPackage = new Map<string, number>()
const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value)

let total = 0
let idle = 0
profile.samples.forEach((nodeId, index) => {
  const delta = profile.timeDeltas[index + 1] ?? 0
  const node = byId.get(nodeId)
  if (node === undefined) return
  total += delta
  if (node.callFrame.functionName === "(idle)") {
    idle += delta
    return
  }
  add(self, frameKey(node.callFrame), delta)
  add(perPackage, packageOf(node.callFrame), delta)
  const seen = new Set<string>()
  for (let current: number | undefined = nodeId; current !== undefined; current = parentOf.get(current)) {
    const frame = byId.get(current)?.callFrame
    if (frame === undefined) break
    const key = frameKey(frame)
    if (!seen.has(key)) {
      seen.add(key)
      add(inclusive, key, delta)
    }
  }
})

const busy = total - idle
const ms = (micros: number) => `${(micros / 1000).toFixed(0)} ms`
const share = (micros: number) => `${((micros / busy) * 100).toFixed(1)}%`
const ranked = (map: Map<string, number>, count: number, filter: (key: string) => boolean = () => true) =>
  [...map.entries()].filter(([key]) => filter(key)).sort((a, b) => b[1] - a[1]).slice(0, count)

const lines = [
  `${file}`,
  `profiled ${ms(total)}, busy ${ms(busy)} (${((busy / total) * 100).toFixed(0)}%), idle ${ms(idle)}`,
  "",
  "Busy time by package (self time):",
  ...ranked(perPackage, 15).map(([key, value]) => `  ${share(value).padStart(6)}  ${ms(value).padStart(8)}  ${key}`),
  "",
  `Top ${top} frames by self time:`,
  ...ranked(self, top).map(([key, value]) => `  ${share(value).padStart(6)}  ${ms(value).padStart(8)}  ${key}`),
  "",
  `Top ${top} frames matching /${inclusiveFilter.source}/ by inclusive time:`,
  ...ranked(inclusive, top, (key) => inclusiveFilter.test(key)).map(
    ([key, value]) => `  ${share(value).padStart(6)}  ${ms(value).padStart(8)}  ${key}`
  )
]
process.stdout.write(`${lines.join("\n")}\n`)
