/**
 * `edgekiq web [--host H] [--port P] [--redis URL]`: serves the dashboard. Basic auth comes from
 * EDGEKIQ_WEB_USERNAME / EDGEKIQ_WEB_PASSWORD (never from argv, where `ps` would show it); without
 * them the dashboard is refused unless `--open` is given, and `--open` is refused off loopback.
 * `--allowed-host` / EDGEKIQ_WEB_ALLOWED_HOSTS name the hosts it answers to (DNS rebinding).
 */
import { ConfigError } from "../core/errors";
import { dashboard } from "../web/dashboard";
import { createLogger } from "../worker/logger";
import { type FlagSpec, helpText } from "./args";
import { AUDIT_LOG_FLAG, auditLog } from "./audit-log";
import { COMMAND_TIMEOUT_FLAG, commandTimeoutMs } from "./command-timeout";
import {
  ALLOWED_HOST_FLAG,
  allowedHosts,
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

const DEFAULT_PORT = 9292;

const FLAGS = {
  host: HOST_FLAG,
  port: portFlag(DEFAULT_PORT),
  redis: REDIS_FLAG,
  namespace: NAMESPACE_FLAG,
  "base-path": {
    type: "string",
    placeholder: "PATH",
    description: "serve under a path, e.g. /sidekiq",
  },
  open: { type: "boolean", description: "no authentication (allowed on loopback only)" },
  "allowed-host": ALLOWED_HOST_FLAG,
  "command-timeout": COMMAND_TIMEOUT_FLAG,
  "audit-log": AUDIT_LOG_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const WEB_HELP = helpText(
  `edgekiq web [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--redis URL]`,
  "Serves the dashboard. Set EDGEKIQ_WEB_USERNAME and EDGEKIQ_WEB_PASSWORD for basic auth,\nor pass --open to serve without authentication on a loopback address.\nHost names to answer to: --allowed-host or EDGEKIQ_WEB_ALLOWED_HOSTS (default: loopback\nnames with --open, any host with basic auth).",
  FLAGS,
);

export async function webCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(rt, argv, FLAGS, "web", WEB_HELP);
  if (!args) return 0;
  const { host, port } = listenAddress(args, DEFAULT_PORT);
  const username = rt.env.EDGEKIQ_WEB_USERNAME;
  const password = rt.env.EDGEKIQ_WEB_PASSWORD;
  let auth: { username: string; password: string } | "open";
  if (username && password) auth = { username, password };
  else if (args.open) {
    if (!isLoopback(host))
      throw new ConfigError(
        `--open serves without authentication and is allowed on loopback only, not on ${host}`,
      );
    auth = "open";
  } else {
    throw new ConfigError(
      "set EDGEKIQ_WEB_USERNAME and EDGEKIQ_WEB_PASSWORD for basic auth, or pass --open on a loopback address",
    );
  }
  const logger = createLogger({ level: "info", format: "human", write: (line) => rt.stdout(line) });
  const onAudit = await auditLog(rt, args["audit-log"]);
  // #13 item 4: a page gets an error in bounded time while Redis is down or not answering. Its
  // commands fail at once while disconnected, so serving waits (as long) for the first connection.
  const timeoutMs = commandTimeoutMs(args, rt.env);
  const connection = openCommandRedis(rt, { flag: args.redis }, logger, {
    commandTimeoutMs: timeoutMs,
  });
  await readyWithin(connection.watch, timeoutMs);
  const app = dashboard({
    redis: connection.redis,
    auth,
    namespace: args.namespace,
    basePath: args["base-path"],
    allowedHosts: allowedHosts(args, rt.env.EDGEKIQ_WEB_ALLOWED_HOSTS),
    // Prometheus scrapes /metrics with a token of its own (never argv, where `ps` shows it).
    metricsAuth: rt.env.EDGEKIQ_METRICS_TOKEN
      ? { bearer: rt.env.EDGEKIQ_METRICS_TOKEN }
      : undefined,
    onAudit,
  });
  const served = await rt.serve((request, info) => app.fetch(request, info), {
    hostname: host,
    port,
  });
  logger.info(`dashboard on ${served.url}${args["base-path"] ?? "/"}`, {
    redis: connection.where,
    auth: auth === "open" ? "open (loopback)" : "basic",
  });
  return serveUntilStopped(rt, served, connection, logger);
}
