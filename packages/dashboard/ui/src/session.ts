/**
 * The signed-in token and team, kept in `sessionStorage`: they last as long
 * as the tab and are never written to disk by the page or sent anywhere but
 * this Hoard's management API.
 */
export interface Session {
  readonly token: string
  readonly team: string
}

const key = "hoard.dashboard.session"

export const loadSession = (): Session | undefined => {
  try {
    const value = JSON.parse(sessionStorage.getItem(key) ?? "null") as Partial<Session> | null
    return typeof value?.token === "string" && typeof value.team === "string"
      ? { token: value.token, team: value.team }
      : undefined
  } catch {
    return undefined
  }
}

export const saveSession = (session: Session | undefined): void => {
  if (session === undefined) sessionStorage.removeItem(key)
  else sessionStorage.setItem(key, JSON.stringify(session))
}
