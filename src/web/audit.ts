/**
 * The dashboard's audit trail: after every state-changing request (any method but GET/HEAD/
 * OPTIONS), one `AuditEvent` to the `onAudit` hook, whatever the outcome: done (a 303 back to
 * the page), refused (401 authentication, 403 CSRF, 421 host) or failed (400 bad form, 500).
 *
 * It sits outside every other middleware and reads the route and the form after the fact, so a
 * page that adds an action (a queue's pause, say) is audited without knowing about it. Form
 * values named are the action and the ids of what it acts on (set keys, a process identity, a
 * jid); the body of a request refused before the CSRF check (401, 421) is never read.
 */
import type { MiddlewareHandler } from "hono";
import { type AuditEvent, type AuditHook, emitAudit, outcomeOf } from "../core/audit";
import { fromBase64 } from "../core/bytes";
import type { DashboardAuth } from "./auth";
import type { WebEnv } from "./web-env";

export interface DashboardAuditOptions {
  onAudit: AuditHook;
  auth: DashboardAuth;
  /** Who the request is from when `auth` is a function (a session's user); default null. */
  actor?: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
  /** The client's address behind a proxy, e.g. from `X-Forwarded-For`; default the socket's. */
  clientAddress?: (request: Request) => string | null | undefined;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const SETS = new Set(["retries", "scheduled", "morgue"]);
/** The name the issue and SIEM rules use for Sidekiq's "Add to queue". */
const ACTION_NAMES: Record<string, string> = { add_to_queue: "enqueue_now" };

export function auditMiddleware(o: DashboardAuditOptions): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    await next();
    const status = c.res.status;
    const outcome = outcomeOf(status);
    // The form was parsed (and cached) by the CSRF check; the body of a request refused before
    // it (no credentials, a wrong host) stays unread.
    let form: Record<string, unknown> = {};
    if (status !== 401 && status !== 421) {
      form = await c.req.parseBody({ all: true }).catch(() => ({}));
    }
    const { action, target } = describe(c.req.path, form);
    const request = c.req.raw;
    const event: AuditEvent = {
      time: new Date().toISOString(),
      source: "dashboard",
      actor: status === 401 ? null : await actorOf(o, request),
      action,
      target,
      client: o.clientAddress?.(request) ?? c.env?.remoteAddress ?? null,
      outcome,
      status,
    };
    if (outcome === "refused") event.reason = refusedWhy(status);
    emitAudit(o.onAudit, event);
  };
}

function refusedWhy(status: number): string {
  if (status === 401) return "authentication required";
  if (status === 421) return "host not allowed";
  return "CSRF check failed";
}

async function actorOf(o: DashboardAuditOptions, request: Request): Promise<string | null> {
  if (o.actor) return (await o.actor(request)) ?? null;
  if (o.auth && typeof o.auth === "object") return basicUser(request) ?? null;
  return null;
}

/** The username of `Authorization: Basic` (the password never leaves this function). */
function basicUser(request: Request): string | undefined {
  const m = request.headers.get("authorization")?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!m) return undefined;
  try {
    const text = new TextDecoder().decode(fromBase64(m[1]!));
    const i = text.indexOf(":");
    return i >= 0 ? text.slice(0, i) : undefined;
  } catch {
    return undefined;
  }
}

function values(form: Record<string, unknown>, name: string): string[] {
  const v = form[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === "string");
}

/** `retries.retry` on `retries/<key>,<key>`, `process.quiet` on an identity, and so on. */
export function describe(
  path: string,
  form: Record<string, unknown>,
): { action: string; target: string } {
  const seg = path.split("/").filter(Boolean).map(safeDecode);
  const verb = values(form, "action")[0];
  const name = (v: string | undefined) => (v ? (ACTION_NAMES[v] ?? v) : undefined);
  const [area = "", a, b] = seg;
  if (SETS.has(area)) {
    if (a === "all") return { action: `${area}.${name(b)}_all`, target: `${area}/all` };
    const keys = a ? [a] : values(form, "key");
    return { action: `${area}.${name(verb) ?? "post"}`, target: `${area}/${keys.join(",")}` };
  }
  if (area === "busy") {
    return {
      action: `process.${verb ?? "post"}`,
      target: values(form, "identity")[0] ?? "all processes",
    };
  }
  if (area === "queues" && a) {
    if (b === "delete") {
      return { action: "queue.delete_job", target: `${a}/${values(form, "jid")[0] ?? ""}` };
    }
    return { action: `queue.${name(b ?? verb) ?? "post"}`, target: a };
  }
  return { action: `${area || "root"}.${name(verb) ?? "post"}`, target: `/${seg.join("/")}` };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
