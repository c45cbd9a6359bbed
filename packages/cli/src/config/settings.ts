import { resolve } from "node:path"
import { Duration, Schema, String as Str } from "effect"
import { ByteSizeInput, DownloadUrlSecret, PublicUrl, defaultActivityRetention, defaultConfig, parseByteSize } from "@hoard/core"
import { ageSyntax, isNone, parseAge, showAge, showBytes } from "./units.ts"

/**
 * The settings of `hoard serve` other than access (teams, tokens, jwt): each
 * one's check and default, written once. The config file's schema, the
 * chain that reads flags, env vars and the file (`ServeConfig.ts`) and the
 * flags' help all come from here.
 */

export const logLevels = ["debug", "info", "warn", "error"] as const
export type LogLevel = (typeof logLevels)[number]

export const logFormats = ["json", "pretty"] as const
export type LogFormat = (typeof logFormats)[number]

/**
 * A setting's problem in words, whatever step of its check failed: a port
 * `http` is not a number at all, `70000` is out of range; both are told this.
 */
export const reasons = {
  port: "a port is an integer from 0 to 65535",
  logLevel: `a log level is one of ${logLevels.join(", ")}`,
  downloadUrlTtl: "a download URL TTL is a whole number of seconds above 0",
  maxConcurrentUploads: "the most uploads at once is a whole number above 0",
  maxUploadsPerToken: "the most uploads at once per token is a whole number above 0",
  maxConnections: "the most connections at once is a whole number above 0",
  logFormat: `a log format is one of ${logFormats.join(", ")}`,
  accessLog: "the access log is on or off",
  fsync: "fsync is on or off",
  indexWriterThread: "the index writer thread is on or off",
  metricsPort: "a metrics port is an integer from 0 to 65535",
  metricsToken: "a metrics token is at least 16 characters, without spaces",
  otlpEndpoint: "an OTLP endpoint is an http:// or https:// base URL, e.g. http://collector:4318"
} as const

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/** A retention age, e.g. `7d`, or `none`. */
const AgeOrNone = Schema.String.check(Schema.makeFilter((input) =>
  isNone(input) || parseAge(input) !== undefined || `"${input}" is not an age: ${ageSyntax}, or none`
))

/** What is wrong with a `--redis` URL (never repeating it: it may hold a password), or `undefined`. */
export const redisUrlProblem = (input: string): string | undefined => {
  const expected = "a Redis URL is redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)"
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return expected
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") return expected
  if (url.hostname === "") return `${expected}: the host is missing`
  if (!/^\/?(\d+)?$/u.test(url.pathname)) return `${expected}: the database is a number, e.g. /0`
  if (url.search !== "" || url.hash !== "") return `${expected}, without ? or #`
  return undefined
}

/** Each setting's check, as the config file holds it (the chain reads flags and env vars through the same one). */
export const fields = {
  port: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })).annotate({ message: reasons.port }),
  host: Schema.String,
  basePath: Schema.String,
  storage: Schema.String,
  dataDir: Schema.String,
  index: Schema.String,
  maxArtifactSize: ByteSizeInput,
  logLevel: Schema.Literals(logLevels).annotate({ message: reasons.logLevel }),
  /** How long a signed download URL stays valid, in seconds. */
  downloadUrlTtl: Schema.Int.check(Schema.isGreaterThan(0)).annotate({ message: reasons.downloadUrlTtl }),
  /** The key signed download URLs are signed with (shared by every replica). */
  downloadUrlSecret: DownloadUrlSecret,
  /** The URL clients reach Hoard at, base path included, for links the management API hands out. */
  publicUrl: PublicUrl,
  /** Uploads in progress at once (503 beyond), per token (429 beyond). */
  maxConcurrentUploads: Positive.annotate({ message: reasons.maxConcurrentUploads }),
  maxUploadsPerToken: Positive.annotate({ message: reasons.maxUploadsPerToken }),
  /** The slowest accepted upload, per second, e.g. `10KiB`; `0` turns the check off. */
  minUploadRate: Schema.String.check(Schema.makeFilter((input) =>
    input.trim() === "0" || parseByteSize(input) !== undefined || `"${input}" is not a rate: bytes per second, e.g. 10KiB, or 0 for none`
  )),
  /** Open connections at most. */
  maxConnections: Positive.annotate({ message: reasons.maxConnections }),
  /** The whole cache's size budget: bytes, a size such as `10GiB`, or `none`. */
  maxSize: Schema.Union([
    Positive,
    Schema.String.check(Schema.makeFilter((input) =>
      isNone(input) || parseByteSize(input) !== undefined ||
      `"${input}" is not a size: use bytes or a unit, e.g. 500MB or 10GiB, or none`
    ))
  ]),
  /** Artifacts neither read nor written for this long are deleted: an age such as `7d`, or `none`. */
  ttl: AgeOrNone,
  /** How long the activity record is kept: an age such as `90d`, or `none` (for ever). */
  activityRetention: AgeOrNone,
  /** A Redis that counts token rate limits for every replica: `redis://[:password@]host[:port][/db]`. */
  redis: Schema.String.check(Schema.makeFilter((input) => redisUrlProblem(input) ?? true)),
  /** `json` (one object a line) or `pretty`. */
  logFormat: Schema.Literals(logFormats).annotate({ message: reasons.logFormat }),
  /** One info line per request: `on` or `off`. */
  accessLog: Schema.Literals(["on", "off"]).annotate({ message: reasons.accessLog }),
  /** Directory storage flushes each upload to disk before it counts as stored: `on` or `off`. */
  fsync: Schema.Literals(["on", "off"]).annotate({ message: reasons.fsync }),
  /** A SQLite index applies its writes on a thread of its own: `on` or `off`. */
  indexWriterThread: Schema.Literals(["on", "off"]).annotate({ message: reasons.indexWriterThread }),
  /** A second listener, on the same host, serving only `/metrics` without auth. */
  metricsPort: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })).annotate({ message: reasons.metricsPort }),
  /** The bearer token `/metrics` on the main port answers to (and no cache token). */
  metricsToken: Schema.String.check(Schema.isPattern(/^\S{16,}$/u)).annotate({ message: reasons.metricsToken }),
  /** An OTLP/HTTP collector's base URL: spans go to `<url>/v1/traces`. */
  otlpEndpoint: Schema.String.check(Schema.makeFilter((input) => {
    try {
      const url = new URL(input)
      return url.protocol === "http:" || url.protocol === "https:"
    } catch {
      return false
    }
  })).annotate({ message: reasons.otlpEndpoint })
} as const

export type SettingKey = keyof typeof fields | "tokens" | "config" | "access"

/** Settings whose value is never repeated in a message: the index and Redis URLs may hold a password. */
export const secretSettings: ReadonlySet<SettingKey> = new Set(["index", "downloadUrlSecret", "tokens", "redis", "metricsToken"])

/** The env var of a setting: `maxArtifactSize` is `HOARD_MAX_ARTIFACT_SIZE`. */
export const envVar = (key: SettingKey): string => `HOARD_${Str.constantCase(key)}`

/** The flag of a setting: `maxArtifactSize` is `--max-artifact-size`; `--token` may be repeated. */
export const flagName = (key: SettingKey): string => key === "tokens" ? "--token" : `--${Str.kebabCase(key)}`

/** The defaults: applied once, at the end of the chain. */
export const defaults = {
  port: 3000,
  host: "127.0.0.1",
  basePath: "",
  dataDir: ".hoard",
  storage: (dataDir: string) => resolve(dataDir, "artifacts"),
  index: (dataDir: string) => `sqlite:${resolve(dataDir, "hoard.db")}`,
  maxArtifactBytes: defaultConfig.maxArtifactBytes,
  logLevel: "info" satisfies LogLevel as LogLevel,
  maxConcurrentUploads: defaultConfig.maxConcurrentUploads,
  maxUploadsPerToken: defaultConfig.maxConcurrentUploadsPerToken,
  minUploadBytesPerSecond: defaultConfig.minUploadBytesPerSecond,
  maxConnections: 1024,
  /** For fs storage, the default `--max-size` is the smaller of this and half of the free space plus what the cache holds, at start. */
  maxSizeCeilingBytes: 20 * 2 ** 30,
  /** Artifacts are kept however long they go unused. */
  ttlMs: undefined,
  activityRetentionMs: Duration.toMillis(defaultActivityRetention),
  /** The config file read when present in the working directory. */
  configFile: "hoard.config.json",
  /** Pretty for a person at a terminal, JSON for a log collector. */
  logFormat: (stdoutIsTty: boolean): LogFormat => stdoutIsTty ? "pretty" : "json",
  accessLog: true,
  /** A stored upload survives a power loss. */
  fsync: false,
  /** The thread costs 60–100 MiB of RSS; it pays off only on a busy server with a core to spare. */
  indexWriterThread: false,
  /** The `service.name` spans carry, unless `OTEL_SERVICE_NAME` says otherwise. */
  serviceName: "hoard"
} as const

/** Each default as the flags' help shows it. */
export const shownDefaults: Partial<Record<SettingKey, string>> = {
  port: String(defaults.port),
  host: `${defaults.host}, use 0.0.0.0 for remote clients`,
  storage: "<data-dir>/artifacts",
  index: "sqlite:<data-dir>/hoard.db",
  dataDir: defaults.dataDir,
  maxArtifactSize: showBytes(defaults.maxArtifactBytes),
  logLevel: defaults.logLevel,
  maxConcurrentUploads: String(defaults.maxConcurrentUploads),
  maxUploadsPerToken: String(defaults.maxUploadsPerToken),
  minUploadRate: `${showBytes(defaults.minUploadBytesPerSecond)} per second`,
  maxConnections: String(defaults.maxConnections),
  maxSize: `for a directory, the smaller of ${showBytes(defaults.maxSizeCeilingBytes)} and half of the free space plus what the cache holds, at start; none for memory and cloud storage`,
  ttl: "none",
  activityRetention: showAge(defaults.activityRetentionMs),
  redis: "none: each replica counts in memory",
  config: `./${defaults.configFile} when present`,
  logFormat: "json when stdout is not a terminal, else pretty",
  accessLog: "on",
  fsync: "off",
  indexWriterThread: "off",
  metricsPort: "none",
  metricsToken: "none; with neither this nor --metrics-port, /metrics is not served",
  otlpEndpoint: "none (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT), tracing off"
}
