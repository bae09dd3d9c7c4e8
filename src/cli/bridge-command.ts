/**
 * `edgekiq bridge [--tokens FILE] [--host H] [--port P] [--redis URL]`: serves the
 * Upstash-compatible REST bridge. Tokens come from the file and/or EDGEKIQ_BRIDGE_* variables
 * (docs/bridge.md); with none, it refuses to start rather than serve an open Redis.
 */
import { bridge } from "../bridge/bridge";
import { loadTokens } from "../bridge/tokens";
import { ConfigError } from "../core/errors";
import { type FlagSpec, helpText, parseArgs, parseInteger } from "./args";
import { createLogger } from "./logger";
import { DEFAULT_REDIS_URL, describeRedis, parseRedisUrl } from "./redis-options";
import { watchRedis } from "./redis-watch";
import type { CliRuntime } from "./runtime";
import { serveUntilStopped } from "./serve-until-stopped";

const FLAGS: FlagSpec[] = [
  {
    name: "tokens",
    kind: "string",
    placeholder: "FILE",
    description: "JSON token file (see docs/bridge.md)",
  },
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
    description: "port (default 8079; 0 picks a free one)",
  },
  {
    name: "redis",
    kind: "string",
    placeholder: "URL",
    description: "redis:// or rediss:// URL (default $REDIS_URL)",
  },
  {
    name: "max-body-bytes",
    kind: "string",
    placeholder: "N",
    description: "largest request body (default 10 MiB)",
  },
  {
    name: "pool-size",
    kind: "string",
    placeholder: "N",
    description: "Redis connections per token (default 2)",
  },
  { name: "help", short: "h", kind: "boolean", description: "show this help" },
];

export const BRIDGE_HELP = helpText(
  "edgekiq bridge [--tokens FILE] [--host 127.0.0.1] [--port 8079] [--redis URL]",
  "Serves an Upstash-compatible REST API for @upstash/redis, with scoped tokens.\nTokens: --tokens FILE and/or EDGEKIQ_BRIDGE_{ENQUEUE,READ,ADMIN}_TOKEN, EDGEKIQ_BRIDGE_TOKENS.",
  FLAGS,
);

export async function bridgeCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseArgs(argv, FLAGS, "bridge");
  if (args.help) {
    rt.stdout(BRIDGE_HELP);
    return 0;
  }
  if (args._.length > 0)
    throw new ConfigError(`unexpected argument "${args._[0]}"; see \`edgekiq bridge --help\``);
  let file: string | undefined;
  if (args.tokens) {
    try {
      file = await rt.readTextFile(args.tokens as string);
    } catch (err) {
      throw new ConfigError(`cannot read token file ${args.tokens}: ${(err as Error).message}`);
    }
  }
  const tokens = loadTokens({ file, env: rt.env });
  if (tokens.length === 0) {
    throw new ConfigError(
      "no tokens: pass --tokens FILE or set EDGEKIQ_BRIDGE_ENQUEUE_TOKEN (see `edgekiq bridge --help`)",
    );
  }
  const host = (args.host as string | undefined) ?? "127.0.0.1";
  const port = args.port ? parseInteger(args.port as string, "--port") : 8079;
  const redisOptions = parseRedisUrl(
    (args.redis as string | undefined) ?? (rt.env.REDIS_URL || DEFAULT_REDIS_URL),
  );
  const logger = createLogger({ level: "info", format: "human", write: (line) => rt.stdout(line) });
  const redis = rt.openRedis(redisOptions);
  watchRedis(redis, describeRedis(redisOptions), logger);
  const app = bridge({
    redis: redis as never,
    tokens,
    maxBodyBytes: args["max-body-bytes"]
      ? parseInteger(args["max-body-bytes"] as string, "--max-body-bytes", 1)
      : undefined,
    poolSize: args["pool-size"]
      ? parseInteger(args["pool-size"] as string, "--pool-size", 1)
      : undefined,
  });
  const served = await rt.serve((request) => app.fetch(request), { hostname: host, port });
  logger.info(`bridge on ${served.url}`, {
    redis: describeRedis(redisOptions),
    tokens: tokens.map((t) => t.name).join(","),
  });
  return serveUntilStopped(rt, served, redis, logger, () => app.close());
}
