import { describe, expect, it } from "@effect/vitest"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { bundleExternals, bundleBin } from "../bundle.ts"

interface Manifest {
  readonly name: string
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
}

const packagesDir = fileURLToPath(new URL("../../", import.meta.url))
const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(packagesDir, dir, "package.json"), "utf8")) as Manifest
const dependenciesOf = (manifest: Manifest) => ({ ...manifest.dependencies, ...manifest.optionalDependencies })

/** The packages the bundle's files import (statically, for side effects, or lazily), but Node's own. */
const importedPackages = async (dir: string): Promise<Set<string>> => {
  const names = new Set<string>()
  for (const file of await readdir(dir)) {
    const text = await readFile(join(dir, file), "utf8")
    for (const match of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gmu)) {
      const specifier = match[1] ?? match[2] ?? match[3]!
      if (!specifier.startsWith(".") && !specifier.startsWith("node:")) names.add(specifier)
    }
  }
  return names
}

describe("the hoard bin's bundle", () => {
  it("imports nothing but Node's modules and the packages it leaves out (no second copy of Effect or Hoard)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hoard-bundle-"))
    try {
      await bundleBin(dir)
      const files = await readdir(dir)
      expect(files).toContain("hoard.js")
      expect(files).toContain("writerThread.js")
      const imported = await importedPackages(dir)
      expect([...imported].filter((name) => !bundleExternals.includes(name))).toEqual([])
      // The clouds' clients are there, loaded by the lazy chunks.
      expect(imported).toContain("@google-cloud/storage")
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("every package it leaves out is a dependency of @hoard/cli, at the version the package that uses it pins", async () => {
    const cli = dependenciesOf(await readManifest("cli"))
    const others = await Promise.all(
      (await readdir(packagesDir)).filter((dir) => dir !== "cli").map((dir) => readManifest(dir).catch(() => undefined))
    )
    for (const name of bundleExternals) {
      expect(cli[name], name).toBeDefined()
      for (const manifest of others) {
        const pinned = manifest === undefined ? undefined : dependenciesOf(manifest)[name]
        if (pinned !== undefined) expect(cli[name], `${name} in ${manifest!.name}`).toBe(pinned)
      }
    }
  })
})
