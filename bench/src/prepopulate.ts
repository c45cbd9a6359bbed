import type { ChildServer } from "./childServer.ts"
import { artifactPath } from "./protocol.ts"
import { downloadHash, downloadSetSize } from "./rows.ts"
import { runTransferLoad } from "./transferLoad.ts"

/** Uploads the artifacts the GET rows read (GET rows check every body's length). */
export const prepopulate = async (server: ChildServer, sizes: ReadonlyArray<number>): Promise<void> => {
  for (const size of sizes) {
    const count = downloadSetSize(size)
    const concurrency = 4
    const result = await runTransferLoad({
      baseUrl: server.url,
      method: "PUT",
      size,
      concurrency,
      stop: { requestsPerWorker: count / concurrency },
      pathFor: (worker, sequence) => artifactPath(downloadHash(size, worker * (count / concurrency) + sequence))
    })
    if (result.errors > 0 || result.requests !== count) {
      throw new Error(`pre-populating ${server.name} failed (PUT of ${size} bytes): ${result.firstError ?? "requests missing"}`)
    }
  }
}
