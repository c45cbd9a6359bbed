import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useHoardServer } from "@hoard/e2e-turbo/hoardLifecycle"
import { launchChromium, openPage, screenshot, stepTimeoutMillis } from "../src/browser.ts"
import type { Hoard } from "../src/managementApi.ts"
import { listArtifacts, putArtifact, randomHash, waitFor } from "../src/managementApi.ts"

const hoard = useHoardServer({ basePath: "/cache" })

describe("the dashboard under a base path (--base-path /cache)", () => {
  let browser: Browser
  let page: Page
  let client: Hoard
  const hash = randomHash()

  beforeAll(async () => {
    client = { url: hoard().url, token: hoard().token, team: "e2e-base" }
    await putArtifact(client, hash, 4_096, "b".repeat(40))
    await waitFor("the upload in the listing", () => listArtifacts(client), (list) => list.length === 1)
    browser = await launchChromium()
    ;({ page } = await openPage(browser))
  })
  afterAll(() => browser?.close())

  it("is served at /cache/ui/ only, and reads the API at /cache/api/v1", async () => {
    const origin = new URL(client.url).origin
    expect((await fetch(`${origin}/ui/`)).status).toBe(404)
    await page.goto(`${client.url}/ui`)
    expect(page.url()).toBe(`${client.url}/ui/`)
    await page.locator("input[name=token]").fill(client.token)
    await page.locator("input[name=team]").fill(client.team)
    await page.getByRole("button", { name: "Sign in" }).click()
    await expect.poll(() => page.getByTestId("stat-uploads").locator(".value").textContent(), { timeout: stepTimeoutMillis }).toBe("1")
    await page.getByRole("button", { name: "Artifacts" }).click()
    const row = page.locator(`[data-testid=artifacts] tbody tr[data-hash="${hash}"]`)
    const href = await row.getByRole("link", { name: "Download" }).getAttribute("href")
    expect(href).toMatch(new RegExp(`^${client.url}/api/v1/downloads/`, "u"))
    expect((await fetch(href!)).status).toBe(200)
    await screenshot(page, "06-base-path")
  })
})
