/**
 * `edgekiq web [--host H] [--port P] [--redis URL]`: serves the dashboard. Basic auth comes from
 * EDGEKIQ_WEB_USERNAME / EDGEKIQ_WEB_PASSWORD (never from argv, where `ps` would show it); without
 * them the dashboard is refused unless `--open` is given, and `--open` is refused off loopback.
 */
import { ConfigError } from "../core/errors";
import { dashboard } from "../web/dashboard";
import { type FlagSpec, helpText, parseArgs, parseInteger } from "./args";
import { createLogger } from "./logger";
import { DEFAULT_REDIS_URL, describeRedis, parseRedisUrl } from "./redis-options";
import { watchRedis } from "./redis-watch";
import type { CliRuntime } from "./runtime";
import { isLoopback, serveUntilStopped } from "./serve-until-stopped";

const FLAGS: FlagSpec[] = [
  {
    name: "host",
    kind: "string",
    placeholder: "HOST",
    description: "address to listen on (default 127.0.0.1)",
  },
  {
    name: "port",
    short: "p",
    kind: "string",
    placeholder: "PORT",
    description: "port (default 9292; 0 picks a free one)",
  },
  {
    name: "redis",
    kind: "string",
    placeholder: "URL",
    description: "redis:// or rediss:// URL (default $REDIS_URL)",
  },
  {
    name: "namespace",
    kind: "string",
    placeholder: "NS",
    description: "Sidekiq 6 redis-namespace prefix",
  },
  {
    name: "base-path",
    kind: "string",
    placeholder: "PATH",
    description: "serve under a path, e.g. /sidekiq",
  },
  { name: "open", kind: "boolean", description: "no authentication (allowed on loopback only)" },
  { name: "help", short: "h", kind: "boolean", description: "show this help" },
];

export const WEB_HELP = helpText(
  "edgekiq web [--host 127.0.0.1] [--port 9292] [--redis URL]",
  "Serves the dashboard. Set EDGEKIQ_WEB_USERNAME and EDGEKIQ_WEB_PASSWORD for basic auth,\nor pass --open to serve without authentication on a loopback address.",
  FLAGS,
);

export async function webCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseArgs(argv, FLAGS, "web");
  if (args.help) {
    rt.stdout(WEB_HELP);
    return 0;
  }
  if (args._.length > 0)
    throw new ConfigError(`unexpected argument "${args._[0]}"; see \`edgekiq web --help\``);
  const host = (args.host as string | undefined) ?? "127.0.0.1";
  const port = args.port ? parseInteger(args.port as string, "--port") : 9292;
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
  const redisOptions = parseRedisUrl(
    (args.redis as string | undefined) ?? (rt.env.REDIS_URL || DEFAULT_REDIS_URL),
  );
  const logger = createLogger({ level: "info", format: "human", write: (line) => rt.stdout(line) });
  const redis = rt.openRedis(redisOptions);
  watchRedis(redis, describeRedis(redisOptions), logger);
  const app = dashboard({
    redis,
    auth,
    namespace: args.namespace as string | undefined,
    basePath: args["base-path"] as string | undefined,
  });
  const served = await rt.serve((request) => app.fetch(request), { hostname: host, port });
  logger.info(`dashboard on ${served.url}${(args["base-path"] as string | undefined) ?? "/"}`, {
    redis: describeRedis(redisOptions),
    auth: auth === "open" ? "open (loopback)" : "basic",
  });
  return serveUntilStopped(rt, served, redis, logger);
}
