/**
 * `edgekiq metrics [--host H] [--port 9394] [--redis URL]`: a small server of the fleet's
 * Prometheus metrics (`fleetMetrics` from edgekiq/api) at `/metrics`, for a fleet without the
 * dashboard, or to scrape from a separate place. A bearer token from EDGEKIQ_METRICS_TOKEN
 * (never argv, where `ps` shows it) guards it; without one it serves on loopback only.
 */

import { toContext } from "../api/context";
import { fleetMetrics } from "../api/fleet-metrics";
import { digest, equalBytes } from "../core/bytes";
import { ConfigError } from "../core/errors";
import { PROMETHEUS_CONTENT_TYPE } from "../core/prometheus-text";
import { createLogger } from "../worker/logger";
import { type FlagSpec, helpText } from "./args";
import { COMMAND_TIMEOUT_FLAG, commandTimeoutMs } from "./command-timeout";
import {
  HELP_FLAG,
  HOST_FLAG,
  listenAddress,
  NAMESPACE_FLAG,
  openCommandRedis,
  parseCommand,
  portFlag,
  REDIS_FLAG,
} from "./common";
import { readyWithin } from "./redis-watch";
import type { CliRuntime } from "./runtime";
import { isLoopback, serveUntilStopped } from "./serve-until-stopped";

/** The port node_exporter's neighbours leave free for job queues (Sidekiq exporters use 9394). */
const DEFAULT_PORT = 9394;

const FLAGS = {
  host: HOST_FLAG,
  port: portFlag(DEFAULT_PORT),
  redis: REDIS_FLAG,
  namespace: NAMESPACE_FLAG,
  "command-timeout": COMMAND_TIMEOUT_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const METRICS_HELP = helpText(
  `edgekiq metrics [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--redis URL]`,
  "Serves the fleet's Prometheus metrics (queues, sets, processes, totals) at /metrics.\nSet EDGEKIQ_METRICS_TOKEN to require `Authorization: Bearer <token>`; without it the\nserver is allowed on a loopback address only.",
  FLAGS,
);

export async function metricsCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(rt, argv, FLAGS, "metrics", METRICS_HELP);
  if (!args) return 0;
  const { host, port } = listenAddress(args, DEFAULT_PORT);
  const token = rt.env.EDGEKIQ_METRICS_TOKEN;
  if (!token && !isLoopback(host)) {
    throw new ConfigError(
      `set EDGEKIQ_METRICS_TOKEN to serve metrics on ${host}; without a token only loopback is allowed`,
    );
  }
  if (token !== undefined && token.length < 16) {
    throw new ConfigError("EDGEKIQ_METRICS_TOKEN must be 16 characters or more");
  }
  const logger = createLogger({ level: "info", format: "human", write: (line) => rt.stdout(line) });
  const timeoutMs = commandTimeoutMs(args, rt.env);
  const connection = openCommandRedis(rt, { flag: args.redis }, logger, {
    commandTimeoutMs: timeoutMs,
  });
  await readyWithin(connection.watch, timeoutMs);
  const api = toContext({ redis: connection.redis, namespace: args.namespace });
  const expected = token ? digest("SHA-256", token) : undefined;
  const served = await rt.serve(
    async (request) => {
      if (new URL(request.url).pathname !== "/metrics") {
        return new Response("Not found\n", { status: 404 });
      }
      if (expected) {
        const given = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
        if (given === undefined || !equalBytes(await expected, await digest("SHA-256", given))) {
          return new Response("Authentication required\n", {
            status: 401,
            headers: { "www-authenticate": "Bearer" },
          });
        }
      }
      try {
        return new Response(await fleetMetrics(api), {
          headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
        });
      } catch {
        // Redis away: a failed scrape (Prometheus marks the target down), never a partial page.
        return new Response("Redis is not answering\n", { status: 503 });
      }
    },
    { hostname: host, port },
  );
  logger.info(`metrics on ${served.url}/metrics`, {
    redis: connection.where,
    auth: token ? "bearer" : "none (loopback)",
  });
  return serveUntilStopped(rt, served, connection, logger);
}
