/**
 * @module edgekiq/web — the dashboard: `dashboard({ redis, auth, basePath })` returns a fetch
 * handler (Request -> Response) that mounts in node:http, Bun.serve, Deno.serve or Hono.
 */
export { ConfigError } from "../core/errors";
export type { DashboardAuth } from "./auth";
export { type Dashboard, type DashboardOptions, dashboard } from "./dashboard";
