import type { AzureStorageOptions } from "./AzureStorageOptions.ts"

/** One `Key=Value` field of a connection string (never the key: the banner must not show secrets). */
const connectionStringField = (connectionString: string, name: string): string | undefined =>
  connectionString.split(";").map((part) => part.split("=")).find(([key]) => key?.trim() === name)?.slice(1).join("=")

/** Where and how the storage connects, without secrets. */
const connection = (options: AzureStorageOptions): string => {
  const { credentials } = options
  if ("connectionString" in credentials) {
    const cs = credentials.connectionString
    const endpoint = connectionStringField(cs, "BlobEndpoint")
    const account = connectionStringField(cs, "AccountName")
    return [endpoint ?? (account === undefined ? undefined : `account ${account}`), "connection string"]
      .filter((part) => part !== undefined)
      .join(", ")
  }
  const endpoint = options.endpoint ?? `account ${credentials.accountName}`
  return `${endpoint}, ${"accountKey" in credentials ? "shared key" : "Microsoft Entra ID"}`
}

/** `azure://container/prefix (endpoint or account, how it signs in)`, for a startup banner. */
export const describe = (options: AzureStorageOptions): string => {
  const prefix = (options.prefix ?? "").replace(/^\/+|\/+$/gu, "")
  return `azure://${options.container}${prefix === "" ? "" : `/${prefix}`} (${connection(options)})`
}
