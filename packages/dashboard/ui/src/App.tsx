import { useMemo, useState } from "preact/hooks"
import { makeClient } from "./api.ts"
import { Activity } from "./Activity.tsx"
import { Artifacts } from "./Artifacts.tsx"
import { Overview } from "./Overview.tsx"
import type { Session } from "./session.ts"
import { loadSession, saveSession } from "./session.ts"
import { SignIn } from "./SignIn.tsx"

const tabs = ["Overview", "Artifacts", "Activity"] as const
type Tab = typeof tabs[number]

export const App = () => {
  const [session, setSession] = useState<Session | undefined>(loadSession)
  const update = (next: Session | undefined) => {
    saveSession(next)
    setSession(next)
  }
  return session === undefined
    ? <SignIn onSignIn={update} />
    : <Dashboard session={session} onSession={update} />
}

const Dashboard = ({ session, onSession }: { session: Session; onSession: (next: Session | undefined) => void }) => {
  const [tab, setTab] = useState<Tab>("Overview")
  const [teamInput, setTeamInput] = useState(session.team)
  const client = useMemo(() => makeClient(session.token, session.team), [session])
  return (
    <div class="page">
      <header class="top">
        <h1>Hoard</h1>
        <form
          class="team"
          onSubmit={(event) => {
            event.preventDefault()
            const team = teamInput.trim()
            if (team !== "" && team !== session.team) onSession({ ...session, team })
          }}
        >
          <label>
            Team <input name="team" value={teamInput} onInput={(e) => setTeamInput(e.currentTarget.value)} />
          </label>
          <button type="submit">Switch</button>
        </form>
        <nav>
          {tabs.map((name) => (
            <button type="button" class={name === tab ? "tab active" : "tab"} aria-pressed={name === tab} onClick={() => setTab(name)}>
              {name}
            </button>
          ))}
        </nav>
        <button type="button" class="signout" onClick={() => onSession(undefined)}>Sign out</button>
      </header>
      <main key={session.team}>
        {tab === "Overview" && <Overview client={client} />}
        {tab === "Artifacts" && <Artifacts client={client} />}
        {tab === "Activity" && <Activity client={client} />}
      </main>
    </div>
  )
}
