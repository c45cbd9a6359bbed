import { randomBytes } from "node:crypto"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { headArtifact } from "@hoard/e2e-turbo/cacheApi"
import { createFixtureRepo } from "@hoard/e2e-turbo/fixtureRepo"
import type { FixtureRepo } from "@hoard/e2e-turbo/fixtureRepo"
import { useHoardServer } from "@hoard/e2e-turbo/hoardLifecycle"
import { expectAllExecuted, expectAllRemoteHits, runBuild, taskHashes } from "@hoard/e2e-turbo/scenario"
import type { BuildRun } from "@hoard/e2e-turbo/scenario"
import { launchChromium, openPage, screenshot, stepTimeoutMillis } from "../src/browser.ts"
import type { Analytics, Hoard } from "../src/managementApi.ts"
import { analytics, listArtifacts, missArtifact, putArtifact, randomHash, retention, waitFor } from "../src/managementApi.ts"

const secret = (name: string) => `${name}-${randomBytes(16).toString("hex")}`
const team = { id: "team_e2e_dash", slug: "e2e-dash", name: "E2E Dashboard", quota: "1GiB" }
const tokens = {
  admin: { name: "dash-admin", token: secret("dash-admin"), teams: { [team.slug]: "admin" } },
  reader: { name: "dash-reader", token: secret("dash-reader"), teams: { [team.slug]: "read" } }
} as const

const hoard = useHoardServer({ access: { teams: [team], tokens: Object.values(tokens) } })

/** Extra artifacts uploaded straight through /v8, of distinct sizes, so the list pages at 5 a page and sorts by size. */
const extraSizes = [1_000, 5_000, 3_000, 9_000, 2_000]
const extraSha = "e".repeat(40)

let repo: FixtureRepo
let cold: BuildRun
let warm: BuildRun
let admin: Hoard
let reader: Hoard
let extras: ReadonlyArray<string>
let missing: string
let expected: Analytics
let browser: Browser
let page: Page
let problems: () => ReadonlyArray<string>

const value = (id: string) => page.getByTestId(`stat-${id}`).locator(".value").textContent()
const detail = (id: string) => page.getByTestId(`stat-${id}`).locator(".detail").textContent()
const artifactRows = () => page.locator("[data-testid=artifacts] tbody tr")
const shownHashes = () => artifactRows().evaluateAll((rows) => rows.map((row) => row.getAttribute("data-hash")))
const poll = { timeout: stepTimeoutMillis, interval: 100 }

const signIn = async (token: string) => {
  await page.locator("input[name=token]").fill(token)
  await page.locator("input[name=team]").fill(team.slug)
  await page.getByRole("button", { name: "Sign in" }).click()
}

/** Waits for the artifacts list to settle: not loading, rows or the empty state shown. */
const settled = async () => {
  await page.locator("[data-testid=artifacts], [data-testid=artifacts-empty]").first().waitFor()
}

beforeAll(async () => {
  admin = { url: hoard().url, token: tokens.admin.token, team: team.slug }
  reader = { ...admin, token: tokens.reader.token }
  // The scripted sequence: a cold run uploads every task, a warm one (local cache wiped) hits remotely.
  repo = await createFixtureRepo()
  const remote = { api: admin.url, token: admin.token, team: team.slug }
  cold = await runBuild(repo, remote)
  expectAllExecuted(cold)
  await repo.wipeLocalState()
  warm = await runBuild(repo, remote)
  expectAllRemoteHits(warm)

  extras = extraSizes.map(() => randomHash())
  for (const [index, hash] of extras.entries()) await putArtifact(admin, hash, extraSizes[index]!, extraSha)
  missing = randomHash()
  await missArtifact(admin, missing)

  // turbo reports its hits in the background and Hoard batches index writes: wait until the API has them all.
  expected = await waitFor("the warm run's hits in analytics", () => analytics(admin), (a) => a.hits.remote === 2)
  await waitFor("every artifact in the listing", () => listArtifacts(admin), (list) => list.length === 8)

  browser = await launchChromium()
  ;({ page, problems } = await openPage(browser))
})

afterAll(async () => {
  await browser?.close()
  await repo?.cleanup()
})

describe("the dashboard at /ui, in Chromium", () => {
  it("redirects /ui to /ui/ and rejects a wrong token with a clear message", async () => {
    const response = await page.goto(`${admin.url}/ui`)
    expect(page.url()).toBe(`${admin.url}/ui/`)
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'")
    await signIn(secret("wrong"))
    await expect.poll(() => page.getByRole("alert").textContent(), poll).toContain("token rejected")
    await screenshot(page, "01-wrong-token")
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
  })

  it("signs in and shows the hits and time saved the turbo runs produced, as the analytics API counts them", async () => {
    // What the runs did: every task of the warm run was a remote hit that saved its recorded duration.
    const timeSaved = warm.summary.tasks.reduce((sum, task) => sum + task.cache.timeSaved, 0)
    expect(timeSaved).toBeGreaterThan(0)
    expect(expected.time_saved_ms).toBe(timeSaved)
    expect(expected.uploads).toBe(2 + extras.length)

    await signIn(admin.token)
    await expect.poll(() => value("hits"), poll).toBe(String(expected.hits.remote))
    expect(await value("hits")).toBe("2")
    expect(await detail("time-saved")).toBe(`${timeSaved} ms`)
    expect(await value("misses")).toBe(String(expected.misses.remote))
    expect(await value("uploads")).toBe(String(expected.uploads))
    expect(await value("hit-rate")).toBe(`${((expected.hit_rate.remote ?? 0) * 100).toFixed(expected.hit_rate.remote === 1 ? 0 : 1)} %`)
    // The charts (hit rate, time saved, bytes) and the storage figures against the budget.
    await expect.poll(() => page.locator(".uplot").count(), poll).toBe(3)
    const stored = await retention(admin)
    await expect.poll(() => page.getByTestId("storage-team").textContent(), poll).toContain(`${stored.artifact_count} artifacts`)
    expect(stored.quota_bytes).toBe(1024 ** 3)
    expect(await page.getByTestId("storage-quota").textContent()).toContain("Quota: 1")
    expect(await page.evaluate(() => sessionStorage.getItem("hoard.dashboard.session"))).toContain(team.slug)

    // Hourly: the same two hits, all in this hour.
    await page.locator("select[name=granularity]").selectOption("hour")
    await expect.poll(() => page.locator(".uplot").count(), poll).toBe(3)
    await expect.poll(() => value("hits"), poll).toBe("2")
    await screenshot(page, "02-overview")
  })

  it("lists the artifacts, and filters, searches, sorts and pages them", async () => {
    await page.getByRole("button", { name: "Artifacts" }).click()
    await settled()
    const all = await listArtifacts(admin)
    await expect.poll(shownHashes, poll).toEqual(all.map((record) => record.hash))
    expect(await shownHashes()).toEqual(expect.arrayContaining([...taskHashes(warm.summary), ...extras, missing]))

    // By status: the one miss nobody uploaded.
    await page.locator("select[name=status]").selectOption("missing")
    await expect.poll(shownHashes, poll).toEqual([missing])
    // Stored ones only, 5 a page: two pages.
    await page.locator("select[name=status]").selectOption("success")
    await page.locator("select[name=limit]").selectOption("5")
    await expect.poll(() => artifactRows().count(), poll).toBe(5)
    expect(await page.getByTestId("page-number").textContent()).toBe("Page 1")
    const firstPage = await shownHashes()
    await page.getByRole("button", { name: "Next" }).click()
    await expect.poll(() => page.getByTestId("page-number").textContent(), poll).toBe("Page 2")
    await expect.poll(() => artifactRows().count(), poll).toBe(2)
    const secondPage = await shownHashes()
    expect(new Set([...firstPage, ...secondPage])).toEqual(new Set([...taskHashes(warm.summary), ...extras]))
    expect(await page.getByRole("button", { name: "Next" }).isDisabled()).toBe(true)
    await page.getByRole("button", { name: "Previous" }).click()
    await expect.poll(shownHashes, poll).toEqual(firstPage)

    // By git sha: the turbo runs' commit, then the extras' (sorted by size, largest first).
    const sha = warm.summary.scm?.sha
    expect(sha).toMatch(/^[0-9a-f]{40}$/u)
    await page.locator("select[name=searchBy]").selectOption("sha")
    await page.locator("input[name=search]").fill(sha!)
    await page.getByRole("button", { name: "Search" }).click()
    await expect.poll(async () => [...await shownHashes()].sort(), poll).toEqual([...taskHashes(warm.summary)].sort())
    await page.locator("input[name=search]").fill(extraSha)
    await page.getByRole("button", { name: "Search" }).click()
    await page.locator("select[name=limit]").selectOption("25")
    await expect.poll(() => artifactRows().count(), poll).toBe(extras.length)
    await page.locator("select[name=sort]").selectOption("size")
    const bySize = [...extras.keys()].sort((a, b) => extraSizes[b]! - extraSizes[a]!).map((index) => extras[index])
    await expect.poll(shownHashes, poll).toEqual(bySize)
    await screenshot(page, "03-artifacts")

    // By hash: exactly that one, with a download link that works without the token.
    await page.locator("select[name=searchBy]").selectOption("hash")
    await page.locator("input[name=search]").fill(extras[0]!)
    await page.getByRole("button", { name: "Search" }).click()
    await expect.poll(shownHashes, poll).toEqual([extras[0]])
    const href = await artifactRows().getByRole("link", { name: "Download" }).getAttribute("href")
    const download = await fetch(href!)
    expect(download.status).toBe(200)
    expect((await download.arrayBuffer()).byteLength).toBe(extraSizes[0])
  })

  it("deletes an artifact as admin, after a confirmation, and it is gone from storage", async () => {
    const victim = extras[0]!
    expect((await headArtifact({ api: admin.url, token: admin.token, team: team.slug }, victim)).status).toBe(200)
    await artifactRows().getByRole("button", { name: "Delete" }).click()
    await page.getByRole("button", { name: "Yes, delete" }).click()
    await expect.poll(() => page.getByTestId("artifacts-notice").textContent(), poll).toBe(`deleted ${victim}`)
    await page.getByTestId("artifacts-empty").waitFor()
    expect((await headArtifact({ api: admin.url, token: admin.token, team: team.slug }, victim)).status).toBe(404)
  })

  it("as a read-only token, a delete gets a clear \"not allowed\" and the artifact stays", async () => {
    await page.getByRole("button", { name: "Sign out" }).click()
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await signIn(reader.token)
    await page.getByRole("button", { name: "Artifacts" }).click()
    const target = extras[1]!
    await page.locator("input[name=search]").fill(target)
    await page.getByRole("button", { name: "Search" }).click()
    await expect.poll(shownHashes, poll).toEqual([target])
    await artifactRows().getByRole("button", { name: "Delete" }).click()
    await page.getByRole("button", { name: "Yes, delete" }).click()
    await expect.poll(() => page.getByTestId("artifacts-notice").textContent(), poll)
      .toContain("not allowed: this token cannot delete artifacts")
    await screenshot(page, "04-read-only-delete")
    expect((await headArtifact({ api: reader.url, token: reader.token, team: team.slug }, target)).status).toBe(200)
    expect(await shownHashes()).toEqual([target])
  })

  it("shows the activity feed, filtered by type and in pages", async () => {
    await page.getByRole("button", { name: "Activity" }).click()
    const rows = page.locator("[data-testid=events] tbody tr")
    await page.locator("select[name=type]").selectOption("usage.hit")
    await expect.poll(() => rows.count(), poll).toBe(2)
    expect(await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-type")))).toEqual(["usage.hit", "usage.hit"])
    await page.locator("select[name=type]").selectOption("artifact.deleted")
    await expect.poll(() => rows.count(), poll).toBe(1)
    expect(await rows.first().textContent()).toContain(extras[0]!.slice(0, 16))
    // Everything, 5 a page: the runs, uploads and refusals make more than one page.
    await page.locator("select[name=type]").selectOption("")
    await page.locator("select[name=limit]").selectOption("5")
    await expect.poll(() => rows.count(), poll).toBe(5)
    const first = await rows.allTextContents()
    await page.getByRole("button", { name: "Next" }).click()
    await expect.poll(() => page.getByTestId("page-number").textContent(), poll).toBe("Page 2")
    await expect.poll(async () => (await rows.allTextContents()).join() !== first.join(), poll).toBe(true)
    await screenshot(page, "05-activity")
    expect(problems()).toEqual([])
  })
})
