/**
 * The worker's `/metrics` endpoint: a fetch handler over the job observer, served through the
 * platform's `serve` (runtimes/node, bun, deno), so the engine itself imports no server.
 * Only GET/HEAD `/metrics` answer; it binds to loopback unless told otherwise (`metricsHost`),
 * since the numbers name job classes and queues.
 */
import { ConfigError } from "../core/errors";
import { PROMETHEUS_CONTENT_TYPE } from "../core/prometheus-text";
import type { JobObserver } from "./job-observer";
import type { Platform } from "./platform";

export function metricsHandler(observer: JobObserver): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname !== "/metrics") return new Response("not found\n", { status: 404 });
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    return new Response(request.method === "HEAD" ? null : observer.render(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  };
}

/** Starts serving; a platform without `serve` is a configuration error naming the fix. */
export function serveMetrics(
  platform: Platform,
  observer: JobObserver,
  hostname: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  if (!platform.serve) {
    throw new ConfigError(
      "Worker: metricsPort needs a platform that can serve HTTP: pass `platform` from " +
        "edgekiq/node, edgekiq/bun or edgekiq/deno, or read `worker.metricsText()` yourself",
    );
  }
  return platform.serve(metricsHandler(observer), { hostname, port });
}
