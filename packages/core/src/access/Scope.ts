import { Schema } from "effect"

/**
 * What a token may do on a team:
 * - `read`: download, look up, send usage events, view the team's activity;
 * - `read-write`: also upload;
 * - `admin`: also delete artifacts.
 */
export const Scope = Schema.Literals(["read", "read-write", "admin"])
export type Scope = typeof Scope.Type

/** What a request needs; each scope grants its own level and every lower one. */
export type Permission = "read" | "write" | "admin"

const rank: Record<Scope, number> = { read: 0, "read-write": 1, admin: 2 }
const needed: Record<Permission, number> = { read: 0, write: 1, admin: 2 }

export const scopeAllows = (scope: Scope, permission: Permission): boolean => rank[scope] >= needed[permission]

/** The stronger of two scopes. */
export const widerScope = (a: Scope, b: Scope): Scope => rank[a] >= rank[b] ? a : b
