import { randomBytes } from "node:crypto"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createFixtureRepo } from "@hoard/e2e-turbo/fixtureRepo"
import { startListeningProcess } from "@hoard/e2e-turbo/hoardProcess"
import type { ListeningProcess, ProcessSpec } from "@hoard/e2e-turbo/hoardProcess"
import { expectAllExecuted, expectAllRemoteHits, randomTeam, runBuild } from "@hoard/e2e-turbo/scenario"
import { createInstalledProject } from "../src/installedProject.ts"
import type { InstalledProject } from "../src/installedProject.ts"
import { currentNode, installedNode, oldestSupportedNode } from "../src/nodeRuntime.ts"
import { packPublicPackages, workspaceRoot, workspaceVersionOf } from "../src/workspace.ts"

const run = promisify(execFile)

/** The directories under packages/ that are published (`@hoard/<name>`). */
const publicPackages = [
  "cli", "core", "dashboard", "index-sql", "index-testkit", "storage-azure", "storage-fs", "storage-gcs", "storage-memory",
  "storage-s3", "storage-testkit", "transport-fetch", "transport-node-http"
]

let packDir: string
let tarballs: ReadonlyArray<string>

beforeAll(async () => {
  packDir = await mkdtemp(join(tmpdir(), "hoard-packs-"))
  tarballs = await packPublicPackages(packDir)
})
afterAll(() => rm(packDir, { recursive: true, force: true }))

/** Everything a user installs next to the tarballs: the embedders' frameworks and, for the consumer, TypeScript. */
const registryPackages = async (): Promise<ReadonlyArray<string>> => [
  `express@${await workspaceVersionOf("examples/express/package.json", "express")}`,
  `srvx@${await workspaceVersionOf("packages/transport-fetch/package.json", "srvx")}`,
  `typescript@${await workspaceVersionOf("package.json", "typescript")}`,
  `@types/node@${await workspaceVersionOf("package.json", "@types/node")}`
]

/** A cold turbo run uploads every task; after wiping local state, a warm run replays all of them from `api`. */
const expectRemoteCacheRoundTrip = async (api: string, token: string): Promise<void> => {
  const repo = await createFixtureRepo()
  try {
    const remote = { api, token, team: randomTeam() }
    expectAllExecuted(await runBuild(repo, remote))
    await repo.wipeLocalState()
    expectAllRemoteHits(await runBuild(repo, remote))
  } finally {
    await repo.cleanup()
  }
}

/** Starts a server in the project, runs `body` against it, and stops it with SIGTERM (to its process group); it must exit cleanly. */
const withServer = async (
  spec: ProcessSpec,
  body: (server: ListeningProcess) => Promise<void>
): Promise<void> => {
  const server = await startListeningProcess(spec, 60_000)
  try {
    await body(server)
  } finally {
    const exit = await server.stop(15_000)
    // npx itself dies of the signal; what it started (and every app) shuts down and exits 0.
    const expected = spec.command === "npx" ? { code: null, signal: "SIGTERM" } : { code: 0, signal: null }
    expect(exit, server.output()).toEqual(expected)
  }
  await expect(fetch(server.url), "the port is closed after SIGTERM").rejects.toThrow()
}

/** A loopback port nothing listens on: one the system just gave out and took back. */
const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const runtimes = [
  { name: "Node 24", runtime: async () => currentNode() },
  { name: `Node ${oldestSupportedNode}`, runtime: () => installedNode(oldestSupportedNode) }
]

describe.each(runtimes)("the packed tarballs installed with npm, on $name", ({ runtime }) => {
  let project: InstalledProject
  beforeAll(async () => {
    project = await createInstalledProject(await runtime(), [...tarballs, ...await registryPackages()])
  })
  afterAll(() => project?.cleanup())

  it("runs on the Node it is meant to", async () => {
    const { stdout } = await project.exec("node", ["--version"])
    expect(stdout.trim()).toBe(`v${project.node.version}`)
  })

  it("every package loads under plain Node: its runtime dependencies are declared", async () => {
    for (const name of publicPackages) {
      const script = `const module = await import("@hoard/${name}"); console.log(Object.keys(module).length)`
      const { stdout } = await project.exec("node", ["--input-type=module", "--eval", script])
      expect(Number(stdout.trim()), name).toBeGreaterThan(0)
    }
  })

  it("installs one copy of effect, shared by every package and the app", async () => {
    const { stdout } = await project.exec("npm", ["ls", "effect", "--all", "--parseable"])
    expect(new Set(stdout.split("\n").filter(Boolean))).toEqual(new Set([join(project.dir, "node_modules", "effect")]))
  })

  it("hoard --version prints the package's version", async () => {
    const { version } = JSON.parse(await readFile(join(workspaceRoot, "packages/cli/package.json"), "utf8")) as { version: string }
    const { stdout } = await project.exec("npx", ["hoard", "--version"])
    expect(stdout.trim()).toBe(`hoard v${version}`)
  })

  it("npx hoard serve: turbo uploads on a cold run and gets every task from Hoard on a warm one", async () => {
    // As the README has it, plus a free port: the data dir (token, fs storage, SQLite index) is ./.hoard.
    // With the index's writer thread, which the bin's bundle ships as a file of its own.
    const args = ["hoard", "serve", "--port", "0", "--index-writer-thread", "on"]
    await withServer({ command: "npx", args, cwd: project.dir, env: project.env }, async (server) => {
      const token = /export TURBO_TOKEN=(\S+)/u.exec(server.output())?.[1]
      expect(token, server.output()).toBeDefined()
      expect(server.output()).toContain(`index: sqlite ${join(project.dir, ".hoard", "hoard.db")}`)
      // The dashboard, from the @hoard/dashboard tarball's dist/ui.
      const dashboard = await fetch(`${server.url}/ui/`)
      expect(dashboard.status, await dashboard.clone().text()).toBe(200)
      expect(await dashboard.text()).toContain("./assets/index-")
      await expectRemoteCacheRoundTrip(server.url, token!)
    })
  })

  it("the bin loads each cloud storage adapter and its client (refused by a closed loopback port)", async () => {
    const port = await closedPort()
    const endpoint = `http://127.0.0.1:${port}`
    const clouds = [
      { storage: "gs://hoard-bucket/p", env: { STORAGE_EMULATOR_HOST: endpoint } },
      {
        storage: "s3://hoard-bucket/p",
        env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "us-east-1" }
      },
      {
        storage: "azure://hoard-container/p",
        env: { AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=${randomBytes(64).toString("base64")};BlobEndpoint=${endpoint}/dev;` }
      }
    ]
    for (const cloud of clouds) {
      const args = ["hoard", "serve", "--port", "0", "--data-dir", join(project.dir, "cloud-data"), "--token", "t", "--storage", cloud.storage]
      const failed = await run("npx", args, { cwd: project.dir, env: { ...process.env, ...project.env, ...cloud.env } })
        .then(() => undefined, (error: { code?: number; stderr?: string }) => error)
      expect(failed?.code, cloud.storage).toBe(1)
      expect(failed?.stderr, cloud.storage).toMatch(/is not usable: .*ECONNREFUSED/u)
    }
  })

  it("an Express app mounting @hoard/transport-node-http with @hoard/storage-fs keeps its own routes and serves turbo under /cache", async () => {
    const token = randomBytes(24).toString("hex")
    const env = { ...project.env, PORT: "0", HOARD_TOKENS: token, HOARD_DIR: join(project.dir, "express-cache") }
    await withServer({ command: "node", args: ["apps/express-app.mjs"], cwd: project.dir, env }, async (server) => {
      expect(server.url).toMatch(/\/cache$/u)
      const health = await fetch(new URL("/health", server.url))
      expect(await health.json()).toEqual({ ok: true })
      await expectRemoteCacheRoundTrip(server.url, token)
    })
  })

  it("an app serving the @hoard/transport-fetch handler", async () => {
    const token = randomBytes(24).toString("hex")
    const env = { ...project.env, PORT: "0", HOARD_TOKENS: token }
    await withServer({ command: "node", args: ["apps/fetch-app.mjs"], cwd: project.dir, env }, async (server) => {
      await expectRemoteCacheRoundTrip(server.url, token)
    })
  })

  it("a strict nodenext TypeScript consumer type-checks against the shipped .d.ts files alone", async () => {
    const result = await project.exec("npx", ["tsc", "-p", "consumer/tsconfig.json"]).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout ?? String(error)}`)
    })
    expect(result.stdout).toBe("")
    // Only JavaScript and declarations were installed: no TypeScript sources were resolved.
    const { stdout } = await project.exec("npx", ["tsc", "-p", "consumer/tsconfig.json", "--listFilesOnly"])
    const hoardFiles = stdout.split("\n").filter((file) => file.includes("/node_modules/@hoard/"))
    expect(hoardFiles.length).toBeGreaterThan(10)
    expect(hoardFiles.filter((file) => !file.endsWith(".d.ts"))).toEqual([])
  })
})

describe("every tarball", () => {
  const bin = (name: string) => join(workspaceRoot, "e2e/install/node_modules/.bin", name)

  it("passes publint, with no suggestion either", async () => {
    for (const tarball of tarballs) {
      const { stdout } = await run(bin("publint"), ["run", tarball, "--level", "suggestion", "--strict"])
      expect(stdout, tarball).toContain("All good!")
    }
  })

  it("passes Are the Types Wrong (ESM-only profile: node16 from ESM, bundler)", async () => {
    for (const tarball of tarballs) {
      const result = await run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "ascii"]).catch(
        (error: { stdout?: string }) => {
          throw new Error(`attw found problems in ${tarball}:\n${error.stdout ?? String(error)}`)
        }
      )
      expect(result.stdout, tarball).toContain("node16 (from ESM): 🟢")
    }
  })

  it("are all the public packages, each with a README and a LICENSE, and no tests", async () => {
    const expected = await Promise.all(publicPackages.map(async (name) => {
      const { version } = JSON.parse(await readFile(join(workspaceRoot, "packages", name, "package.json"), "utf8")) as { version: string }
      return `hoard-${name}-${version}.tgz`
    }))
    expect(tarballs.map((file) => file.split("/").at(-1))).toEqual(expected)
    for (const tarball of tarballs) {
      const { stdout } = await run("tar", ["-tzf", tarball])
      const files = stdout.split("\n").filter(Boolean)
      expect(files, tarball).toEqual(expect.arrayContaining(["package/README.md", "package/LICENSE", "package/dist/index.js", "package/dist/index.d.ts"]))
      expect(files.filter((file) => /\/test\/|\.test\.|tsbuildinfo/u.test(file)), tarball).toEqual([])
    }
    // The dashboard ships its built page and assets, which `hoard serve` serves at /ui.
    const dashboard = tarballs.find((file) => file.includes("hoard-dashboard-"))!
    const { stdout } = await run("tar", ["-tzf", dashboard])
    expect(stdout.split("\n"), dashboard).toContain("package/dist/ui/index.html")
    expect(stdout, dashboard).toMatch(/package\/dist\/ui\/assets\/index-[\w-]+\.js/u)
  })
})

describe("the release", () => {
  it("the changesets in .changeset/ make a release plan that versions every public package", async () => {
    const planFile = join(packDir, "release-plan.json")
    await run(join(workspaceRoot, "node_modules/.bin/changeset"), ["status", "--output", planFile], { cwd: workspaceRoot })
    const plan = JSON.parse(await readFile(planFile, "utf8")) as {
      readonly releases: ReadonlyArray<{ readonly name: string; readonly type: string }>
    }
    const released = plan.releases.filter((release) => release.type !== "none").map((release) => release.name)
    expect(released).toEqual(expect.arrayContaining(publicPackages.map((name) => `@hoard/${name}`)))
    expect(released.filter((name) => /^@hoard\/(bench|e2e-|example-)/u.test(name))).toEqual([])
  })
})
