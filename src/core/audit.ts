/**
 * The audit trail's event (`onAudit` on the dashboard and the bridge; `--audit-log` in the CLI):
 * one structured record per state change made through the dashboard and per request the bridge
 * refused, for a SIEM. It names who, what, on what, from where and how it ended; never a job's
 * arguments, a password or a token's secret (a bridge token appears by its name).
 */

export interface AuditEvent {
  /** ISO 8601, UTC. */
  time: string;
  source: "dashboard" | "bridge";
  /** The authenticated user (basic auth's username, `actor` hook), the token's name, or null. */
  actor: string | null;
  /** e.g. `retries.retry`, `morgue.delete`, `process.quiet`, `queue.clear`, `bridge.request`. */
  action: string;
  /** What it acted on: `retries` + keys, a queue name, a process identity, a bridge path. */
  target: string;
  /** The client's address as the server saw it (or as the `clientAddress` hook says), or null. */
  client: string | null;
  /** `ok`, `refused` (authentication, CSRF, scope, host), or `failed` (bad input, an error). */
  outcome: "ok" | "refused" | "failed";
  /** The HTTP status answered. */
  status: number;
  /** Why it was refused, in the server's words (never the request's contents). */
  reason?: string;
}

export type AuditHook = (event: AuditEvent) => void | Promise<void>;

/** What a server saw of the connection, passed as `fetch(request, info)`'s second argument. */
export interface ClientInfo {
  remoteAddress?: string;
}

/** The outcome of a status: 2xx/3xx ok, 401/403/421/429 refused, anything else failed. */
export function outcomeOf(status: number): AuditEvent["outcome"] {
  if (status < 400) return "ok";
  if (status === 401 || status === 403 || status === 421 || status === 429) return "refused";
  return "failed";
}

/** Calls the hook; a hook that throws or rejects never fails the request it records. */
export function emitAudit(hook: AuditHook, event: AuditEvent): void {
  try {
    const r = hook(event);
    if (r && typeof (r as Promise<void>).catch === "function") {
      (r as Promise<void>).catch(() => undefined);
    }
  } catch {
    // An audit sink's failure is the sink's to report.
  }
}
