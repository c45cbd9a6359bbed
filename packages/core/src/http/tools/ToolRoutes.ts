import { Layer } from "effect"
import { BazelRoutes } from "./bazel.ts"
import { CcacheRoutes } from "./ccache.ts"
import { GradleRoutes } from "./gradle.ts"
import { NxRoutes } from "./nx.ts"

/**
 * The cache protocols of the other build tools, each under its own base path
 * with the team in it: `/nx/<team>` (and Nx's bare `/v1/cache`), `/gradle/<team>/`,
 * `/ccache/<team>` and `/bazel/<team>`. Same storage, tokens, budgets and
 * activity record as turbo's `/v8`; each tool's keys live apart (`ToolKey.ts`).
 */
export const ToolRoutes = Layer.mergeAll(NxRoutes, GradleRoutes, CcacheRoutes, BazelRoutes)
