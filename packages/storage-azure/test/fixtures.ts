import { BlobServiceClient } from "@azure/storage-blob"
import type { ContainerClient } from "@azure/storage-blob"
import type { ArtifactMetadata } from "@hoard/core"
import { Cause, Exit, Option } from "effect"
import { assert } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { inject } from "vitest"

export const sharedConnectionString = (): string => inject("azuriteConnectionString")

/** A container name no other test uses. */
export const uniqueContainer = (label: string): string => `${label}-${randomBytes(4).toString("hex")}`

/** A plain SDK client, to look at what the adapter wrote. */
export const sdkContainer = (connectionString: string, container: string): ContainerClient =>
  BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container)

export const metadataOf = (tag: string): ArtifactMetadata => ({ durationMs: 42, tag })

/** The typed failure of an exit; fails the test on success or a defect. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure, but the effect succeeded")
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}
