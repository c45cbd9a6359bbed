import { createHash, randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { run, waitFor } from "./running.ts"

describe("hoard serve", () => {
  it("starts on fs storage with a generated token, prints the turbo lines, and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const first = run(["serve", "--port", "0", "--data-dir", dataDir])
    const [, url] = await waitFor(first, /TURBO_API=(\S+)/)
    const [, token] = await waitFor(first, /TURBO_TOKEN=(\S+)/)
    expect(first.output()).toContain(`storage: fs ${join(dataDir, "artifacts")}`)
    expect(first.output()).toMatch(/\n  max size: \S+ \(default: the smaller of 20GiB and half of free space plus cache\)\n  retention: ttl none, activity kept 90d\n  rate limits: per replica \(in memory\)\n/)
    expect(readFileSync(join(dataDir, "token"), "utf8").trim()).toBe(token)
    expect(statSync(join(dataDir, "token")).mode & 0o777).toBe(0o600)

    const put = await fetch(`${url}/v8/artifacts/abc123?slug=cli`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-artifact-duration": "9" },
      body: "artifact bytes"
    })
    expect(put.status).toBe(202)
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)

    // A restart keeps the token and the artifacts.
    const second = run(["serve", "--port", "0", "--data-dir", dataDir])
    const [, url2] = await waitFor(second, /TURBO_API=(\S+)/)
    expect((await waitFor(second, /TURBO_TOKEN=(\S+)/))[1]).toBe(token)
    const get = await fetch(`${url2}/v8/artifacts/abc123?slug=cli`, { headers: { authorization: `Bearer ${token}` } })
    expect(await get.text()).toBe("artifact bytes")
    second.child.kill("SIGINT")
    expect(await second.exited).toBe(0)
  })

  it("takes tokens from HOARD_TOKENS and does not print them", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const running = run(["serve", "--port", "0", "--data-dir", dataDir, "--storage", "memory"], { HOARD_TOKENS: "alpha-token,beta-token" })
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    expect(running.output()).not.toContain("alpha-token")
    expect(running.output()).toContain("storage: memory")
    for (const token of ["alpha-token", "beta-token"]) {
      const status = await fetch(`${url}/v8/artifacts/status`, { headers: { authorization: `Bearer ${token}` } })
      expect(status.status).toBe(200)
    }
    running.child.kill("SIGTERM")
    expect(await running.exited).toBe(0)
  })

  it.each([
    [["--storage", "ftp://nope"], /unsupported storage "ftp:\/\/nope"/],
    [["--storage", "file://host/x"], /hoard: invalid storage URL file:\/\/host\/x: /],
    [["--max-artifact-size", "lots"], /hoard: invalid --max-artifact-size: "lots" is not a size/],
    [["--port", "http"], /port/i],
    [["--log-level", "chatty"], /hoard: invalid --log-level "chatty": a log level is one of debug, info, warn, error/]
  ] as const)("rejects bad config %j with a clear message and exit code 1", async (args, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const running = run(["serve", "--port", "0", "--data-dir", dataDir, ...args])
    expect(await running.exited).toBe(1)
    expect(running.output()).toMatch(message)
    expect(running.output()).not.toMatch(/\n\s+at /)
  })

  it("names the bad field of a config file", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const config = join(dataDir, "hoard.config.json")
    writeFileSync(config, JSON.stringify({ port: "three thousand" }))
    const running = run(["serve", "--config", config, "--data-dir", dataDir])
    expect(await running.exited).toBe(1)
    expect(running.output()).toContain(config)
    expect(running.output()).toContain("port")
  })

  it("serves a teams config: a read-only token's PUT gets 403 forbidden, a read-write token's 202", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const readToken = `read-${randomBytes(12).toString("hex")}`
    const writeToken = `write-${randomBytes(12).toString("hex")}`
    const docsToken = `docs-${randomBytes(12).toString("hex")}`
    writeFileSync(join(dir, "hoard.config.json"), JSON.stringify({
      teams: [{ id: "team_web", slug: "web", name: "Web" }, { id: "team_docs", slug: "docs" }],
      access: "access.json"
    }))
    // The secrets live apart, as a mounted Kubernetes secret would.
    writeFileSync(join(dir, "access.json"), JSON.stringify({
      tokens: [
        { name: "web-read", token: readToken, teams: { web: "read" } },
        { name: "web-write", token: writeToken, teams: { team_web: "read-write" } },
        { name: "docs-ci", sha256: createHash("sha256").update(docsToken).digest("hex"), teams: { docs: "admin" } }
      ]
    }))
    const running = run(["serve", "--port", "0", "--config", join(dir, "hoard.config.json"), "--data-dir", join(dir, "data")])
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    await waitFor(running, /TURBO_TEAM=\S+/)
    expect(running.output()).toContain("  tokens: 3 configured for 2 teams\n")
    expect(running.output()).toContain("  export TURBO_TEAM=web\n")
    for (const secret of [readToken, writeToken, docsToken]) expect(running.output()).not.toContain(secret)
    // Tokens are configured: none is generated.
    expect(existsSync(join(dir, "data", "token"))).toBe(false)

    const artifact = (team: string) => `${url}/v8/artifacts/0123abcd?slug=${team}`
    const put = (team: string, token: string) =>
      fetch(artifact(team), {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-artifact-duration": "5" },
        body: "web bytes"
      })
    const readOnly = await put("web", readToken)
    expect(readOnly.status).toBe(403)
    expect(await readOnly.json()).toEqual({
      error: { code: "forbidden", message: "token web-read may not upload to team web (its scope is read)" }
    })
    expect((await fetch(artifact("web"), { headers: { authorization: `Bearer ${readToken}` } })).status).toBe(404)
    const readWrite = await put("web", writeToken)
    expect(readWrite.status).toBe(202)
    const download = await fetch(artifact("web"), { headers: { authorization: `Bearer ${readToken}` } })
    expect(download.status).toBe(200)
    expect(await download.text()).toBe("web bytes")
    // The other team: no access for the web tokens; its own token (stored as a digest) works.
    const otherTeam = await fetch(artifact("docs"), { headers: { authorization: `Bearer ${writeToken}` } })
    expect(otherTeam.status).toBe(403)
    expect(await otherTeam.json()).toEqual({ error: { code: "forbidden", message: "token web-write has no access to team docs" } })
    expect((await put("docs", docsToken)).status).toBe(202)
    const unknown = await fetch(artifact("nope"), { headers: { authorization: `Bearer ${docsToken}` } })
    expect(unknown.status).toBe(403)

    running.child.kill("SIGTERM")
    expect(await running.exited).toBe(0)
  })

  it("generates an every-team token for a teams config without tokens; --access and HOARD_ACCESS name the access file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    writeFileSync(join(dir, "access.json"), JSON.stringify({ teams: [{ id: "team_api", slug: "api" }] }))
    writeFileSync(join(dir, "ignored.json"), JSON.stringify({ teams: [{ id: "team_ignored", slug: "ignored" }] }))
    const running = run(
      ["serve", "--port", "0", "--storage", "memory", "--data-dir", dir, "--access", join(dir, "access.json")],
      { HOARD_ACCESS: join(dir, "ignored.json") }
    )
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    const [, token] = await waitFor(running, /TURBO_TOKEN=(\S+)/)
    expect(readFileSync(join(dir, "token"), "utf8").trim()).toBe(token)
    expect(running.output()).toContain(`token: generated on first start and kept in ${join(dir, "token")} (every team)`)
    expect(running.output()).toContain("  export TURBO_TEAM=api\n")
    const headers = { authorization: `Bearer ${token}` }
    expect(await (await fetch(`${url}/v8/artifacts/status?teamId=team_api`, { headers })).json()).toEqual({ status: "enabled" })
    expect((await fetch(`${url}/v8/artifacts/status?slug=ignored`, { headers })).status).toBe(403)
    running.child.kill("SIGTERM")
    expect(await running.exited).toBe(0)
  })

  it.each([
    [
      { teams: [{ id: "team_web", slug: "web" }], tokens: [{ name: "ci", token: "ci-token-0123456789", teams: { webb: "read" } }] },
      /token "ci" \(tokens\[0\] in \S+hoard\.config\.json\) grants team "webb", which is not configured in \S+ \(teams: web\)/
    ],
    [
      { tokens: [{ name: "ci", token: "ci-token-0123456789", teams: { web: "read" } }, { name: "ci", token: "other-token" }] },
      /two tokens are named "ci": tokens\[0\] in \S+ and tokens\[1\] in \S+/
    ],
    [
      { tokens: [{ name: "ci", token: "ci-token-0123456789", teams: { web: "write" } }] },
      /invalid config file \S+hoard\.config\.json: tokens\[0\]\.teams\.web: Expected "read" \| "read-write" \| "admin"/
    ],
    [{ access: "missing.json" }, /cannot read access file \S+missing\.json/]
  ] as const)("refuses a bad access setup at start with one line and exit code 1: %j", async (config, message) => {
    const dir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    writeFileSync(join(dir, "hoard.config.json"), JSON.stringify(config))
    const running = run(["serve", "--port", "0", "--config", join(dir, "hoard.config.json"), "--data-dir", dir])
    expect(await running.exited).toBe(1)
    expect(running.output()).toMatch(message)
    expect(running.output()).not.toMatch(/\n\s+at /)
    expect(running.output()).not.toContain("ci-token-0123456789")
  })

  it("adds --token to the config file's team-bound tokens, and the banner counts both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const fileToken = `web-${randomBytes(12).toString("hex")}`
    const flagToken = `flag-${randomBytes(12).toString("hex")}`
    writeFileSync(join(dir, "hoard.config.json"), JSON.stringify({
      teams: [{ id: "team_web", slug: "web" }, { id: "team_docs", slug: "docs" }],
      tokens: [{ name: "web-read", token: fileToken, teams: { web: "read" } }]
    }))
    const running = run(["serve", "--port", "0", "--storage", "memory", "--config", join(dir, "hoard.config.json"), "--data-dir", dir, "--token", flagToken])
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    await waitFor(running, /TURBO_TEAM=\S+/)
    expect(running.output()).toContain("  tokens: 2 configured for 2 teams (1 for every team)\n")
    for (const secret of [fileToken, flagToken]) expect(running.output()).not.toContain(secret)
    const status = (team: string, token: string) =>
      fetch(`${url}/v8/artifacts/status?slug=${team}`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.status)
    // The file's token keeps its team; the flag's may use every team.
    expect([await status("web", fileToken), await status("docs", fileToken)]).toEqual([200, 403])
    expect([await status("web", flagToken), await status("docs", flagToken)]).toEqual([200, 200])
    running.child.kill("SIGTERM")
    expect(await running.exited).toBe(0)
  })

  it.each([
    [["--port", "http"], {}, /^hoard: invalid --port "http": a port is an integer from 0 to 65535\n$/],
    [[], { HOARD_PORT: "70000" }, /^hoard: invalid HOARD_PORT "70000": a port is an integer from 0 to 65535\n$/],
    [[], { HOARD_DOWNLOAD_URL_SECRET: "short-secret" }, /^hoard: invalid HOARD_DOWNLOAD_URL_SECRET: a download URL secret is at least 32 characters\n$/],
    [["--max-size", "10XB"], {}, /^hoard: invalid --max-size: "10XB" is not a size: use bytes or a unit, e\.g\. 500MB or 10GiB, or none\n$/],
    [[], { HOARD_TTL: "7y" }, /^hoard: invalid HOARD_TTL: "7y" is not an age: a whole number and a unit s, m, h, d or w, e\.g\. 12h or 7d, or none\n$/],
    [["--activity-retention", "forever"], {}, /^hoard: invalid --activity-retention: "forever" is not an age: .*, or none\n$/]
  ] as const)("prints a bad setting %j %j as one line, hoard: <message>, and exits 1", async (args, env, line) => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const running = run(["serve", "--data-dir", dataDir, "--storage", "memory", ...args], env)
    expect(await running.exited).toBe(1)
    expect(running.output()).toMatch(line)
    expect(running.output()).not.toContain("short-secret")
  })

  it("says so when the port is taken", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const first = run(["serve", "--port", "0", "--data-dir", dataDir, "--storage", "memory"])
    const [, port] = await waitFor(first, /TURBO_API=http:\/\/127\.0\.0\.1:(\d+)/)
    const second = run(["serve", "--port", port!, "--data-dir", dataDir, "--storage", "memory"])
    expect(await second.exited).toBe(1)
    expect(second.output()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`))
    first.child.kill("SIGTERM")
    await first.exited
  })
})
