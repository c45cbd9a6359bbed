import type { ArtifactHash } from "./ArtifactHash.ts"

/** The build tools Hoard speaks to besides turbo, each through its own cache protocol. */
export type BuildTool = "nx" | "gradle" | "ccache" | "bazel"

/** The storage prefix of each kind of key: Bazel keeps two stores (action results and content). */
export type ToolKeyKind = "nx" | "gradle" | "ccache" | "bazel-ac" | "bazel-cas"

const toolKeyPart = /^[A-Za-z0-9]{2,128}$/u

/**
 * The storage name of a tool's key, `<kind>-<key>` (e.g. `nx-13755202064671528681`),
 * or `undefined` when the key is not 2 to 128 letters and digits. A turbo hash
 * has no `-`, so no tool's key can name a turbo artifact or another tool's.
 */
export const toolKey = (kind: ToolKeyKind, key: string): ArtifactHash | undefined =>
  toolKeyPart.test(key) ? `${kind}-${key}` as ArtifactHash : undefined
