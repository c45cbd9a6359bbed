import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser, Page } from "playwright-core"
import { chromium } from "playwright-core"

/** Debian's `chromium` package (scripts/install-chromium.sh); `CHROMIUM_PATH` overrides it. */
export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

export const screenshotsDir = fileURLToPath(new URL("../screenshots/", import.meta.url))

/** How long one browser step (a click, a wait for text) may take. */
export const stepTimeoutMillis = 20_000

/**
 * Launches the system Chromium headless through playwright-core (no browser
 * download). As root, Chromium refuses to start without `--no-sandbox`.
 */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 60_000,
    args: [
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      "--disable-dev-shm-usage",
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check"
    ]
  })

/** A page with every step bounded, which fails on any script error or CSP violation it logs. */
export const openPage = async (browser: Browser): Promise<{ page: Page; problems: () => ReadonlyArray<string> }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(stepTimeoutMillis)
  page.setDefaultNavigationTimeout(stepTimeoutMillis * 2)
  const problems: Array<string> = []
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
  page.on("console", (message) => {
    // A refused request (401, 403) is logged by the browser: that is the scenario, not a fault.
    if (message.type() === "error" && !/status of 40[134]/u.test(message.text())) problems.push(`console: ${message.text()}`)
  })
  return { page, problems: () => problems }
}

export const screenshot = async (page: Page, name: string): Promise<string> => {
  await mkdir(screenshotsDir, { recursive: true })
  const path = join(screenshotsDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true, timeout: stepTimeoutMillis })
  return path
}
