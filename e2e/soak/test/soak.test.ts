import { tmpdir } from "node:os"
import { describe, expect, it } from "vitest"
import { renderSoakReport } from "../../../bench/src/soak/report.ts"
import { runSoak } from "../../../bench/src/soak/soak.ts"
import { soakFailures } from "../../../bench/src/soak/verdict.ts"
import { KiB } from "../../../bench/src/units.ts"

/**
 * A short `pnpm soak` (bench/src/soak): a real `hoard serve` under the mixed
 * turbo traffic for 200 s. Over the last two minutes its RSS and V8's
 * committed heap must stay flat (< 5 and < 1 MiB/min, Theil–Sen over 3 s
 * samples), its fds too, and every answer must be the expected one. The heap
 * is checked as well because RSS alone missed a deliberate ~4 MiB/min heap
 * leak in one of two runs: pages V8 and malloc gave back elsewhere offset it.
 *
 * The server runs with `--max-semi-space-size=16`. Without it V8 sizes the
 * young generation from the machine's memory (64 MiB semi-spaces, 128 MiB,
 * on a 24 GB host) and under this load its pages become resident over
 * several minutes: RSS rises ~10 MiB/min until it levels off at ~350 MiB
 * after ~6.5 minutes, while the live heap, external memory and malloc's heap
 * stay flat (bench/src/soak/README.md). That is bounded, but it would mask a
 * real leak for longer than CI can wait; with 16 MiB semi-spaces it is
 * resident within the warm-up.
 *
 * `SOAK_HOARD_BIN` soaks another `hoard` bin (e.g. a copy with a deliberate
 * leak, to check that this test fails).
 */

const concurrency = 16
const ratePerSecond = 100
const durationS = 200

describe("hoard serve under steady mixed load", () => {
  it("keeps its memory and file descriptors flat", async () => {
    const hoardBin = process.env["SOAK_HOARD_BIN"]
    const result = await runSoak({
      durationS,
      ratePerSecond,
      concurrency,
      // Caches, JIT and V8's spaces settle within about 80 s at this rate (a
      // few MiB); measured from 60 s, that tail alone reads ~1 MiB/min.
      warmupS: 80,
      sampleIntervalS: 3,
      idleS: 5,
      tmpRoot: tmpdir(),
      minPutBytes: KiB,
      // Smaller uploads than `pnpm soak`'s 4 MiB keep CI's disk use near 300 MB.
      maxPutBytes: 1024 * KiB,
      nodeArgs: ["--max-semi-space-size=16"],
      ...(hoardBin !== undefined && hoardBin !== "" && { hoardBin }),
      log: (line) => process.stderr.write(`[soak] ${line}\n`)
    })
    const failures = soakFailures(result, {
      // RSS also moves with what the machine's other processes do to the page
      // cache and allocator (+1.6 MiB/min with a flat heap when run beside the
      // whole suite), and it is still settling in this window: in one CI run
      // it read +3.46 MiB/min (197 → 203 MiB) with `heapTotal` flat; a 400 s
      // run of the same load rose as far (197 → 206 MiB) by 270 s and stayed
      // there. A leak of the kind this guards against grew 24 MiB/min. The
      // committed heap is the exact signal, and it is held to 1 MiB/min.
      maxSlopeMiBPerMin: 5,
      maxHeapSlopeMiBPerMin: 1,
      maxFdGrowth: 5,
      maxFdSpread: 2 * concurrency + 16
    })
    const report = renderSoakReport(result, failures)
    process.stderr.write(`${report}\n`)
    // On a busy CI machine the rate may not be reached; the slope means something with half of it.
    expect(result.load.requests, report).toBeGreaterThan(ratePerSecond * durationS * 0.5)
    expect(failures, report).toEqual([])
  })
})
