/**
 * What the CLI's subcommands share: the common flags, `--help` and stray-argument handling, and
 * opening a Redis whose outages are logged in one line.
 */
import { ConfigError } from "../core/errors";
import type { Logger } from "../worker/logger";
import { type FlagSpec, type ParsedArgs, parseArgs, parseInteger } from "./args";
import {
  DEFAULT_REDIS_URL,
  describeRedis,
  parseRedisUrl,
  type RedisConnectionOptions,
} from "./redis-options";
import { watchRedis } from "./redis-watch";
import type { CliRedis, CliRuntime } from "./runtime";

export const REDIS_FLAG: FlagSpec = {
  name: "redis",
  kind: "string",
  placeholder: "URL",
  description: "redis:// or rediss:// URL (default $REDIS_URL or redis://127.0.0.1:6379)",
};
export const NAMESPACE_FLAG: FlagSpec = {
  name: "namespace",
  kind: "string",
  placeholder: "NS",
  description: "Sidekiq 6 redis-namespace prefix",
};
export const HOST_FLAG: FlagSpec = {
  name: "host",
  kind: "string",
  placeholder: "HOST",
  description: "address to listen on (default 127.0.0.1)",
};
export const ALLOWED_HOST_FLAG: FlagSpec = {
  name: "allowed-host",
  kind: "list",
  placeholder: "NAME",
  description: "answer only requests for this host name (repeatable; against DNS rebinding)",
};
export const HELP_FLAG: FlagSpec = {
  name: "help",
  short: "h",
  kind: "boolean",
  description: "show this help",
};

export function portFlag(defaultPort: number): FlagSpec {
  return {
    name: "port",
    short: "p",
    kind: "string",
    placeholder: "PORT",
    description: `port (default ${defaultPort}; 0 picks a free one)`,
  };
}

/** The `--host` and `--port` a serving command listens on (127.0.0.1 and its default port). */
export function listenAddress(
  args: ParsedArgs,
  defaultPort: number,
): { host: string; port: number } {
  return {
    host: (args.host as string | undefined) ?? "127.0.0.1",
    port: args.port ? parseInteger(args.port as string, "--port") : defaultPort,
  };
}

/** `--allowed-host` values, else the comma-separated `env` value, else undefined (the default). */
export function allowedHosts(args: ParsedArgs, env: string | undefined): string[] | undefined {
  const list =
    (args["allowed-host"] as string[] | undefined) ??
    (env ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
  return list.length > 0 ? list : undefined;
}

/** Parses argv; prints the help and returns undefined for `--help`; refuses stray arguments. */
export function parseCommand(
  argv: readonly string[],
  flags: readonly FlagSpec[],
  command: string,
  help: string,
  rt: CliRuntime,
): ParsedArgs | undefined {
  const args = parseArgs(argv, flags, command);
  if (args.help) {
    rt.stdout(help);
    return undefined;
  }
  if (args._.length > 0) {
    throw new ConfigError(`unexpected argument "${args._[0]}"; see \`edgekiq ${command} --help\``);
  }
  return args;
}

/** Opens the Redis named by `--redis`, else REDIS_URL, else the local default; logs outages. */
export function openCommandRedis(
  rt: CliRuntime,
  args: ParsedArgs,
  logger?: Logger,
  extra: Partial<RedisConnectionOptions> = {},
): { redis: CliRedis; where: string } {
  const options = {
    ...parseRedisUrl((args.redis as string | undefined) ?? (rt.env.REDIS_URL || DEFAULT_REDIS_URL)),
    ...extra,
  };
  const redis = rt.openRedis(options);
  const where = describeRedis(options);
  if (logger) watchRedis(redis, where, logger);
  else redis.on("error", () => undefined);
  return { redis, where };
}
