import { layer } from "@effect/vitest"
import type { CacheIndex, IndexWrite } from "@hoard/core"
import { Effect, Layer } from "effect"
import { artifactListingTests } from "./suites/artifactListing.ts"
import { batchTests } from "./suites/batches.ts"
import { cursorTests } from "./suites/cursors.ts"
import { eventListingTests } from "./suites/eventListing.ts"
import { metaTests } from "./suites/meta.ts"
import { reconciliationTests } from "./suites/reconciliation.ts"
import { recordTests } from "./suites/records.ts"
import { restartTests } from "./suites/restart.ts"
import { retentionTests } from "./suites/retention.ts"
import { rollupTests } from "./suites/rollups.ts"
import type { SuiteOptions } from "./suites/fixtures.ts"
import { usageTests } from "./suites/usage.ts"

export interface CacheIndexConformanceOptions {
  /**
   * Builds another index over the same database, as a restarted server would
   * (e.g. the same SQLite file, the same PostgreSQL URL): enables the restart
   * test. Called twice; each call must give a layer that opens its own
   * connections (released when the layer's scope closes).
   */
  readonly reopen?: () => Layer.Layer<CacheIndex, unknown>
  /**
   * A write this adapter rejects (e.g. for PostgreSQL, an event whose data holds
   * a NUL character, which `jsonb` refuses): enables the test that a batch
   * holding it fails as a whole and changes nothing.
   */
  readonly failingWrite?: (teamId: string) => IndexWrite
  /** Seed of the random workloads; default `HOARD_INDEX_SEED`, else a fixed one. Failures name the seed. */
  readonly seed?: number
  /** Multiplies the sizes of the random workloads (default 1: a few thousand events each). */
  readonly scale?: number
}

export const defaultSeed = 0x5eed

/** The seed of the random workloads: `HOARD_INDEX_SEED`, else {@link defaultSeed}. */
export const seedFromEnv = (): number => {
  const setting = process.env["HOARD_INDEX_SEED"]
  const parsed = setting === undefined ? Number.NaN : Number(setting)
  return Number.isInteger(parsed) ? parsed : defaultSeed
}

/**
 * Registers a `describe("<name> conformance")` block of vitest tests checking
 * every invariant of the `CacheIndex` port against the index `makeLayer`
 * builds. The layer is built once for the block, when it starts (so
 * `makeLayer` may read a server started by an earlier `beforeAll`, e.g.
 * `usePostgres`); every test uses its own random team ids and hours, so tests
 * never interfere and a shared database is fine.
 */
export const cacheIndexConformance = (
  name: string,
  makeLayer: () => Layer.Layer<CacheIndex, unknown>,
  options: CacheIndexConformanceOptions = {}
): void => {
  const suiteOptions: SuiteOptions = {
    seed: options.seed ?? seedFromEnv(),
    scale: options.scale ?? 1,
    failingWrite: options.failingWrite
  }
  layer(Layer.suspend(makeLayer), { excludeTestServices: true, timeout: "3 minutes" })(`${name} conformance`, (it) => {
    batchTests(it, suiteOptions)
    rollupTests(it, suiteOptions)
    recordTests(it)
    reconciliationTests(it)
    usageTests(it, suiteOptions)
    artifactListingTests(it, suiteOptions)
    eventListingTests(it, suiteOptions)
    cursorTests(it)
    metaTests(it)
    retentionTests(it)
    if (options.reopen === undefined) {
      it.effect.skip("a restart loses nothing (give options.reopen to run it)", () => Effect.void)
    } else {
      restartTests(it, options.reopen, suiteOptions)
    }
  })
}
