import type { TestProject } from "vitest/node"
import { startFauxqs } from "./support/fauxqs.ts"
import type { FauxqsProcess } from "./support/fauxqs.ts"
import { startRadosgw } from "./support/radosgw.ts"
import type { RadosgwProcess } from "./support/radosgw.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the fauxqs shared by the test files. */
    readonly fauxqsEndpoint: string
    /** The radosgw endpoint, or "" when this run leaves the radosgw suite out. */
    readonly radosgwEndpoint: string
  }
}

/**
 * Starts one fauxqs (and, when the radosgw suite is part of the run, one Ceph
 * radosgw) for the whole run; each test file uses buckets of its own.
 */
export default async function setup(project: TestProject) {
  const withRadosgw = project.config.env?.["HOARD_TEST_RADOSGW"] === "1"
  const started: Array<FauxqsProcess | RadosgwProcess> = []
  const stopAll = () => Promise.all(started.map((server) => server.stop())).then(() => undefined)
  try {
    const [fauxqs, radosgw] = await Promise.all([
      startFauxqs().then((server) => (started.push(server), server)),
      withRadosgw ? startRadosgw().then((server) => (started.push(server), server)) : undefined
    ])
    project.provide("fauxqsEndpoint", fauxqs.endpoint)
    project.provide("radosgwEndpoint", radosgw?.endpoint ?? "")
  } catch (error) {
    await stopAll()
    throw error
  }
  return stopAll
}
