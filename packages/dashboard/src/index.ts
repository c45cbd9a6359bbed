export { contentSecurityPolicy, DashboardRoutes, makeDashboardRoutes } from "./DashboardRoutes.ts"
export type { DashboardOptions } from "./DashboardRoutes.ts"
