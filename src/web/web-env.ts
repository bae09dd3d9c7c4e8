/**
 * What every route handler shares: the Hono environment (the API context and the page context
 * set by the dashboard's middleware) and `renderPage`, which loads the summary counters and wraps
 * content in the layout.
 */
import type { Context } from "hono";
import { type ApiContext, isScanCursor } from "../api/context";
import { Stats } from "../api/stats";
import type { SafeHtml } from "./html";
import { layout, type PageContext } from "./layout";

export interface WebEnv {
  /** What the server saw of the connection (`dashboard.fetch(request, info)`). */
  Bindings: { remoteAddress?: string };
  Variables: {
    api: ApiContext;
    base: string;
    csrfToken: string;
  };
}

export type WebContext = Context<WebEnv>;

export async function pageContext(c: WebContext): Promise<PageContext> {
  const nowMs = Date.now();
  return {
    base: c.get("base"),
    csrfToken: c.get("csrfToken"),
    stats: await new Stats(c.get("api")).summary(nowMs),
    nowMs,
  };
}

export async function renderPage(
  c: WebContext,
  active: string,
  title: string,
  content: (ctx: PageContext) => SafeHtml | Promise<SafeHtml>,
  status: 200 | 404 = 200,
): Promise<Response> {
  const ctx = await pageContext(c);
  const body = layout(ctx, active, title, await content(ctx));
  return c.html(body, status);
}

/** A positive integer query parameter, else `fallback`. */
export function intParam(value: string | undefined, fallback: number, max = 1_000_000): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}

/** A SCAN cursor query parameter (digits), else "0": the first window. */
export function cursorParam(value: string | undefined): string {
  return value !== undefined && isScanCursor(value) ? value : "0";
}

/** Longest text a filter box takes (`?substr=`): filters are typed, not pasted payloads. */
export const MAX_FILTER = 100;

/** The `?substr=` filter text, trimmed and bounded ("" when absent). */
export function filterParam(c: WebContext): string {
  return (c.req.query("substr") ?? "").trim().slice(0, MAX_FILTER);
}

/** A 303 to a path inside the dashboard (never to a user-supplied URL: no open redirect). */
export function back(c: WebContext, path: string): Response {
  return c.redirect(`${c.get("base")}${path}`, 303);
}
