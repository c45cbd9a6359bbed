import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HttpRouter } from "effect/http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeDashboardRoutes } from "../src/index.ts"

const handlerFor = (dir?: string) => HttpRouter.toWebHandler(makeDashboardRoutes(dir === undefined ? {} : { dir }), { disableLogger: true })

const get = (handler: ReturnType<typeof handlerFor>, path: string) => handler.handler(new Request(`http://hoard.test${path}`))

describe("DashboardRoutes", () => {
  let dir: string
  let handler: ReturnType<typeof handlerFor>
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hoard-dashboard-"))
    await mkdir(join(dir, "assets"))
    await writeFile(join(dir, "index.html"), "<!doctype html><script src=\"./assets/index-abc123.js\"></script>")
    await writeFile(join(dir, "assets", "index-abc123.js"), "console.log(1)")
    await writeFile(join(dir, "assets", "index-abc123.css"), "body{}")
    handler = handlerFor(dir)
  })
  afterAll(async () => {
    await handler.dispose()
    await rm(dir, { recursive: true, force: true })
  })

  it("redirects /ui to /ui/ with a relative location, so it works under a base path", async () => {
    const response = await get(handler, "/ui")
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe("ui/")
  })

  it("serves index.html, not cached, with a CSP and nosniff", async () => {
    const response = await get(handler, "/ui/")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(response.headers.get("cache-control")).toBe("no-cache")
    expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'self'; script-src 'self'/u)
    expect(response.headers.get("x-content-type-options")).toBe("nosniff")
    expect(await response.text()).toContain("./assets/index-abc123.js")
  })

  it("serves hashed assets with their content type, cached for good", async () => {
    const script = await get(handler, "/ui/assets/index-abc123.js?v=1")
    expect(script.status).toBe(200)
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    expect(await script.text()).toBe("console.log(1)")
    const style = await get(handler, "/ui/assets/index-abc123.css")
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8")
  })

  it("answers 404 for an asset the build does not have, and for paths outside assets", async () => {
    expect((await get(handler, "/ui/assets/nope.js")).status).toBe(404)
    expect((await get(handler, "/ui/assets/../index.html")).status).toBe(404)
  })

  it("answers 503 saying how to build it when the build output is missing", async () => {
    const missing = handlerFor(join(dir, "not-built"))
    try {
      for (const path of ["/ui/", "/ui/assets/index-abc123.js"]) {
        const response = await get(missing, path)
        expect(response.status, path).toBe(503)
        expect(await response.text()).toContain("pnpm --filter @hoard/dashboard run build:ui")
      }
    } finally {
      await missing.dispose()
    }
  })

  it("serves the package's own build: the page and every asset it references", async () => {
    const own = handlerFor()
    try {
      const page = await get(own, "/ui/")
      expect(page.status, "run `pnpm --filter @hoard/dashboard run build:ui` first").toBe(200)
      const html = await page.text()
      const assets = [...html.matchAll(/"\.\/(assets\/[^"]+)"/gu)].map((match) => match[1])
      expect(assets.length).toBeGreaterThanOrEqual(2)
      for (const asset of assets) expect((await get(own, `/ui/${asset}`)).status, asset).toBe(200)
    } finally {
      await own.dispose()
    }
  })
})
