import { useState } from "preact/hooks"
import { describeFailure, makeClient } from "./api.ts"
import type { Session } from "./session.ts"

/**
 * Asks for a token and a team, and checks them with one read of the team's
 * analytics before keeping them: a wrong token is told so here.
 */
export const SignIn = ({ onSignIn }: { onSignIn: (session: Session) => void }) => {
  const [token, setToken] = useState("")
  const [team, setTeam] = useState("")
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const submit = async (event: Event) => {
    event.preventDefault()
    const session = { token: token.trim(), team: team.trim() }
    if (session.token === "" || session.team === "") return setError("enter a token and a team")
    setBusy(true)
    setError(undefined)
    try {
      await makeClient(session.token, session.team).analytics()
      onSignIn(session)
    } catch (failure) {
      setError(describeFailure(failure, `read team ${session.team}`))
      setBusy(false)
    }
  }
  return (
    <main class="signin">
      <h1>Hoard</h1>
      <p class="muted">Sign in with a Hoard token. It stays in this tab (session storage) until you sign out.</p>
      <form onSubmit={submit}>
        <label>
          Token
          <input name="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <label>
          Team (slug or id)
          <input name="team" value={team} onInput={(e) => setTeam(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Sign in"}</button>
        {error !== undefined && <p class="error" role="alert">{error}</p>}
      </form>
    </main>
  )
}
