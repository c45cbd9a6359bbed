import { StorageError } from "@hoard/core"
import { Effect } from "effect"
import type { AzureCredentials, AzureStorageOptions } from "./AzureStorageOptions.ts"

/** Azure's container naming rules: 3-63 lowercase letters, digits and single inner hyphens. */
const containerName = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/u

/** Query parameters holding a positive integer; `maxTries` goes to the SDK retry options, the others are options. */
const integerParameters = ["timeoutMs", "maxTries", "blockSize", "maxConcurrency"] as const
const queryParameters = new Set<string>(["endpoint", "createContainer", ...integerParameters])

const invalid = (url: string, message: string) =>
  new StorageError({ operation: "check", message: `invalid Azure storage URL "${url}": ${message}` })

const fail = (url: string, message: string) => Effect.fail(invalid(url, message))

const credentialsFromEnv = (url: string, env: Record<string, string | undefined>) =>
  Effect.gen(function*() {
    const connectionString = env["AZURE_STORAGE_CONNECTION_STRING"]
    const accountName = env["AZURE_STORAGE_ACCOUNT"]
    const accountKey = env["AZURE_STORAGE_KEY"]
    if (connectionString !== undefined && connectionString !== "") {
      return { connectionString } satisfies AzureCredentials
    }
    if (accountName === undefined || accountName === "") {
      return yield* fail(
        url,
        "no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY, " +
          "or AZURE_STORAGE_ACCOUNT alone to sign in with DefaultAzureCredential (managed identity, workload identity, Azure CLI...)"
      )
    }
    if (accountKey !== undefined && accountKey !== "") return { accountName, accountKey } satisfies AzureCredentials
    // Loaded only when needed: @azure/identity is large.
    const identity = yield* Effect.tryPromise({
      try: () => import("@azure/identity"),
      catch: (error) => invalid(url, `cannot load @azure/identity: ${String(error)}`)
    })
    return { accountName, tokenCredential: new identity.DefaultAzureCredential() } satisfies AzureCredentials
  })

/** The options set by the URL's query: `endpoint`, `createContainer` and the tuning integers. */
const queryOptions = (url: string, query: URLSearchParams) =>
  Effect.gen(function*() {
    for (const name of query.keys()) {
      if (!queryParameters.has(name)) {
        return yield* fail(url, `unknown parameter "${name}" (known: ${[...queryParameters].join(", ")})`)
      }
    }
    const endpoint = query.get("endpoint") ?? undefined
    if (endpoint !== undefined && URL.parse(endpoint) === null) {
      return yield* fail(url, `endpoint "${endpoint}" is not a URL`)
    }
    const createContainer = query.get("createContainer") ?? "false"
    if (createContainer !== "true" && createContainer !== "false") {
      return yield* fail(url, `createContainer must be true or false, got "${createContainer}"`)
    }
    const integers: Partial<Record<(typeof integerParameters)[number], number>> = {}
    for (const name of integerParameters) {
      const text = query.get(name)
      if (text === null) continue
      if (!/^[1-9][0-9]{0,15}$/u.test(text)) return yield* fail(url, `${name} must be a positive integer, got "${text}"`)
      integers[name] = Number(text)
    }
    const { maxTries, ...tuning } = integers
    return {
      createContainer: createContainer === "true",
      ...tuning,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(maxTries === undefined ? {} : { pipeline: { retryOptions: { maxTries } } })
    }
  })

/**
 * Turns the CLI's storage URL into adapter options:
 * `azure://<container>[/<prefix>][?endpoint=<url>&createContainer=true&timeoutMs=&maxTries=&blockSize=&maxConcurrency=]`.
 * Credentials come from `env`: `AZURE_STORAGE_CONNECTION_STRING`; else
 * `AZURE_STORAGE_ACCOUNT` with `AZURE_STORAGE_KEY`; else
 * `AZURE_STORAGE_ACCOUNT` alone with `DefaultAzureCredential` (which reads its
 * own variables from the process environment).
 */
export const optionsFromUrl = (
  url: string,
  env: Record<string, string | undefined>
): Effect.Effect<AzureStorageOptions, StorageError> =>
  Effect.gen(function*() {
    const parsed = URL.parse(url)
    if (parsed === null || parsed.protocol !== "azure:") {
      return yield* fail(url, "expected azure://<container>[/<prefix>]")
    }
    if (parsed.username !== "" || parsed.password !== "" || parsed.port !== "" || parsed.hash !== "") {
      return yield* fail(url, "credentials, a port or a fragment do not belong in the URL; credentials come from the environment")
    }
    const container = parsed.hostname
    if (!containerName.test(container)) {
      return yield* fail(
        url,
        `"${container}" is not a valid container name (3-63 lowercase letters, digits and single hyphens)`
      )
    }
    const fromQuery = yield* queryOptions(url, parsed.searchParams)
    const prefix = yield* Effect.try({
      try: () => decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/gu, ""),
      catch: () => invalid(url, "the prefix is not valid percent-encoding")
    })
    const credentials = yield* credentialsFromEnv(url, env)
    return {
      container,
      credentials,
      ...fromQuery,
      ...(prefix === "" ? {} : { prefix })
    } satisfies AzureStorageOptions
  })
