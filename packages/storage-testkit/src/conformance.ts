import { layer } from "@effect/vitest"
import type { ArtifactStorage } from "@hoard/core"
import type { Layer } from "effect"
import { concurrencyTests } from "./suites/concurrency.ts"
import { corruptionTests } from "./suites/corruption.ts"
import type { Corruption } from "./suites/corruption.ts"
import { deletionTests } from "./suites/deletion.ts"
import { failedPutTests } from "./suites/failedPuts.ts"
import { listingTests } from "./suites/listing.ts"
import { namespaceListingTests } from "./suites/namespaceListing.ts"
import { namespaceTests } from "./suites/namespaces.ts"
import { roundTripTests } from "./suites/roundTrip.ts"

export interface ConformanceOptions {
  /** Largest artifact used by the large-object test; default 8 MiB. */
  readonly largeArtifactBytes?: number
  /**
   * How many namespaces the test of `namespaces` over several listing pages
   * creates; default 30. Configure the adapter with a smaller listing page
   * (where it has such an option) so that they span several pages.
   */
  readonly manyNamespaces?: number
  /**
   * Ways to damage a stored artifact from outside the adapter, by name, as
   * this backend can be damaged (a truncated file, an object whose metadata is
   * missing or whose length disagrees with it...). For each, the suite stores
   * artifacts, damages them, and checks that `get`, `head`, `list` and a batch
   * of `head`s treat them as misses, never as errors. Without it (a backend
   * that cannot be damaged from outside, such as memory) those tests are skipped.
   */
  readonly corruptions?: Readonly<Record<string, Corruption>>
}

/**
 * Registers a `describe("<name> conformance")` block of vitest tests against
 * the storage built by `layer` (built once for the block; every test uses its
 * own random namespace so tests never interfere).
 */
export const storageConformance = (
  name: string,
  storage: Layer.Layer<ArtifactStorage, unknown>,
  options?: ConformanceOptions
): void => {
  const suiteOptions = {
    largeArtifactBytes: options?.largeArtifactBytes ?? 8 * 1024 * 1024,
    manyNamespaces: options?.manyNamespaces ?? 30
  }
  // Real clock: the suite uses timeouts and checks createdAt against Date.now().
  layer(storage, { excludeTestServices: true, timeout: "2 minutes" })(`${name} conformance`, (it) => {
    roundTripTests(it, suiteOptions)
    failedPutTests(it)
    concurrencyTests(it)
    namespaceTests(it)
    deletionTests(it)
    listingTests(it)
    namespaceListingTests(it, suiteOptions)
    corruptionTests(it, options?.corruptions ?? {})
  })
}
