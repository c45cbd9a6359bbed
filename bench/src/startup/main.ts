/**
 * `pnpm bench:startup`: `hoard serve` run as users install it (the packed
 * tarballs, `npm install`ed into a project outside the workspace: the
 * package's bin, one bundle) next to the same package's `dist/bin.js`, which
 * loads every module as `tsc` built it, and `node packages/cli/src/bin.ts` in
 * the workspace (Node strips the types of every module at load). Interleaved
 * runs, each on a fresh data dir: time from spawn to the "listening" banner,
 * and RSS after an idle pause. Prints a markdown table of medians and the
 * ratios to the source.
 */
import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { createInstalledProject } from "@hoard/e2e-install/installedProject"
import { currentNode } from "@hoard/e2e-install/nodeRuntime"
import { packPublicPackages, workspaceRoot } from "@hoard/e2e-install/workspace"
import { positiveInt } from "../config.ts"
import { formatLoad, loadAverage } from "../machine.ts"
import { readMemoryStatus } from "../procfs.ts"
import { median } from "../stats.ts"
import { formatNumber, renderTable } from "../table.ts"

interface Variant {
  readonly name: string
  /** The name in the ratio rows. */
  readonly short: string
  readonly command: string
  readonly args: ReadonlyArray<string>
}

interface Sample {
  readonly startupMs: number
  readonly idleRssBytes: number
}

const runs = positiveInt("BENCH_STARTUP_RUNS", 9)
const idleMs = positiveInt("BENCH_STARTUP_IDLE_MS", 3000)

/** Starts one server on a fresh data dir, times its banner, samples its idle RSS, stops it. */
const measure = async (variant: Variant): Promise<Sample> => {
  const dataDir = await mkdtemp(join(tmpdir(), "hoard-bench-startup-"))
  const started = performance.now()
  const child = spawn(variant.command, [...variant.args, "serve", "--port", "0", "--data-dir", dataDir, "--token", "bench"], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  try {
    let output = ""
    const startupMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${variant.name} did not start in 60 s:\n${output}`)), 60_000)
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk
        if (output.includes("Hoard is listening on")) {
          clearTimeout(timer)
          resolve(performance.now() - started)
        }
      })
      child.once("exit", (code) => reject(new Error(`${variant.name} exited with ${code}:\n${output}`)))
    })
    await sleep(idleMs)
    const memory = readMemoryStatus(child.pid!)
    if (memory === undefined) throw new Error(`${variant.name} is gone`)
    return { startupMs, idleRssBytes: memory.rssBytes }
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.kill("SIGTERM")
    await exited
    await rm(dataDir, { recursive: true, force: true })
  }
}

const packDir = await mkdtemp(join(tmpdir(), "hoard-bench-packs-"))
console.error("packing and installing the public packages…")
const project = await createInstalledProject(currentNode(), await packPublicPackages(packDir))
try {
  const variants: ReadonlyArray<Variant> = [
    { name: "source (node packages/cli/src/bin.ts)", short: "source", command: process.execPath, args: [join(workspaceRoot, "packages/cli/src/bin.ts")] },
    { name: "installed, module by module (node_modules/@hoard/cli/dist/bin.js)", short: "installed, module by module", command: process.execPath, args: [join(project.dir, "node_modules/@hoard/cli/dist/bin.js")] },
    { name: "installed bin, bundled (node_modules/.bin/hoard)", short: "installed bin, bundled", command: process.execPath, args: [join(project.dir, "node_modules/.bin/hoard")] }
  ]
  const samples = variants.map((): Array<Sample> => [])
  const loadBefore = loadAverage()
  for (let round = 0; round < runs; round++) {
    // Rotate which goes first, so drift on a shared machine hits each alike.
    for (let step = 0; step < variants.length; step++) {
      const index = (round + step) % variants.length
      samples[index]!.push(await measure(variants[index]!))
    }
    console.error(`round ${round + 1}/${runs} done`)
  }
  const startup = samples.map((list) => median(list.map((sample) => sample.startupMs)))
  const rss = samples.map((list) => median(list.map((sample) => sample.idleRssBytes)) / 2 ** 20)
  console.log(`# hoard serve start-up: the installed package's bin vs workspace source\n`)
  console.log(`Node ${process.version}, ${runs} interleaved runs each, RSS after ${idleMs} ms idle; load ${formatLoad(loadBefore)} → ${formatLoad(loadAverage())}\n`)
  console.log(renderTable(
    [{ header: "variant", align: "left" }, { header: "start-up ms (median)", align: "right" }, { header: "idle RSS MiB (median)", align: "right" }],
    [
      ...variants.map((variant, index) => [variant.name, formatNumber(startup[index]!), formatNumber(rss[index]!, 1)]),
      ...variants.slice(1).map((variant, offset) => [
        `${variant.short} ÷ source`,
        formatNumber(startup[offset + 1]! / startup[0]!, 2),
        formatNumber(rss[offset + 1]! / rss[0]!, 2)
      ])
    ]
  ))
} finally {
  await project.cleanup()
  await rm(packDir, { recursive: true, force: true })
}
