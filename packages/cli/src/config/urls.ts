/** A URL with its password hidden, for the banner and messages: `redis://:***@host:6379`. */
export const withoutPassword = (url: URL): string => {
  const shown = new URL(url.href)
  if (shown.password !== "") shown.password = "***"
  return shown.href
}
