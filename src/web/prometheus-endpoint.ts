/**
 * The dashboard's Prometheus endpoint: the fleet's metrics (`fleetMetrics` from edgekiq/api) at
 * `/metrics`, with its own authentication (`metricsAuth`), since a scraper holds a token, not
 * the dashboard's password.
 *
 * `/metrics` is also Sidekiq's job-metrics page, so the two share the path by what the client
 * asks for: a browser (its `Accept` names text/html) gets the page, a scraper (Prometheus sends
 * text/plain and openmetrics, never html), curl and `?format=prometheus` get the text. Off unless
 * `metricsAuth` is given: then the path is only the page, as before.
 */
import type { ApiContext } from "../api/context";
import { fleetMetrics } from "../api/fleet-metrics";
import { digest, equalBytes } from "../core/bytes";
import { ConfigError } from "../core/errors";
import { PROMETHEUS_CONTENT_TYPE } from "../core/prometheus-text";
import { authenticator, type DashboardAuth } from "./auth";

/** A bearer token (what Prometheus's `authorization` sends), or any of the dashboard's forms. */
export type MetricsAuth = { bearer: string } | DashboardAuth;

/** True when the request is a scrape of `/metrics` rather than a visit to the page. */
export function wantsPrometheus(request: Request): boolean {
  const format = new URL(request.url).searchParams.get("format");
  if (format) return format === "prometheus";
  const accept = request.headers.get("accept") ?? "";
  return !/text\/html/i.test(accept);
}

/** Answers a scrape: 401 without the metrics credentials, else the fleet's metrics. */
export function prometheusEndpoint(
  auth: MetricsAuth,
  api: ApiContext,
): (request: Request) => Promise<Response> {
  const check = metricsAuthenticator(auth);
  return async (request) => {
    const refused = await check(request);
    if (refused) return refused;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const text = await fleetMetrics(api);
    return new Response(request.method === "HEAD" ? null : text, {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
    });
  };
}

function metricsAuthenticator(
  auth: MetricsAuth,
): (request: Request) => Promise<Response | undefined> {
  if (auth && typeof auth === "object" && "bearer" in auth) {
    if (typeof auth.bearer !== "string" || auth.bearer.length < 16) {
      throw new ConfigError(
        "dashboard: metricsAuth.bearer must be a token of 16 characters or more",
      );
    }
    // Hashing both sides first makes the comparison length-independent as well as constant-time.
    const expected = digest("SHA-256", auth.bearer);
    return async (request) => {
      const given = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      if (given !== undefined && equalBytes(await expected, await digest("SHA-256", given))) {
        return undefined;
      }
      return new Response("Authentication required\n", {
        status: 401,
        headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" },
      });
    };
  }
  return authenticator(auth as DashboardAuth);
}
