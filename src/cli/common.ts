/**
 * What the CLI's subcommands share: the common flags, `--help` and stray-argument handling, and
 * opening the Redis a command names (flag, config file, REDIS_URL or the local default), watched
 * for outages and for settings Redis refuses.
 */
import { ConfigError } from "../core/errors";
import type { Logger } from "../worker/logger";
import { type FlagSpec, type Flags, type FlagValues, parseFlags, wholeNumber } from "./args";
import {
  DEFAULT_REDIS_URL,
  describeRedis,
  parseRedisUrl,
  type RedisConnectionOptions,
} from "./redis-options";
import { type RedisWatch, watchRedis } from "./redis-watch";
import type { CliRedis, CliRuntime } from "./runtime";

export const REDIS_FLAG = {
  type: "string",
  placeholder: "URL",
  description: "redis:// or rediss:// URL (default $REDIS_URL or redis://127.0.0.1:6379)",
} as const satisfies FlagSpec;
export const NAMESPACE_FLAG = {
  type: "string",
  placeholder: "NS",
  description: "Sidekiq 6 redis-namespace prefix",
} as const satisfies FlagSpec;
export const HOST_FLAG = {
  type: "string",
  placeholder: "HOST",
  description: "address to listen on (default 127.0.0.1)",
} as const satisfies FlagSpec;
export const ALLOWED_HOST_FLAG = {
  type: "string",
  multiple: true,
  placeholder: "NAME",
  description: "answer only requests for this host name (repeatable; against DNS rebinding)",
} as const satisfies FlagSpec;
export const HELP_FLAG = {
  type: "boolean",
  short: "h",
  description: "show this help",
} as const satisfies FlagSpec;

export function portFlag(defaultPort: number) {
  return {
    type: "string",
    short: "p",
    placeholder: "PORT",
    description: `port (default ${defaultPort}; 0 picks a free one)`,
    schema: wholeNumber("a whole number from 0 to 65535", 0, 65535),
  } as const satisfies FlagSpec;
}

/** The `--host` and `--port` a serving command listens on (127.0.0.1 and its default port). */
export function listenAddress(
  args: { host?: string; port?: number },
  defaultPort: number,
): { host: string; port: number } {
  return { host: args.host ?? "127.0.0.1", port: args.port ?? defaultPort };
}

/** `--allowed-host` values, else the comma-separated `env` value, else undefined (the default). */
export function allowedHosts(
  args: { "allowed-host"?: string[] },
  env: string | undefined,
): string[] | undefined {
  const list =
    args["allowed-host"] ??
    (env ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
  return list.length > 0 ? list : undefined;
}

/** Parses argv; prints the help and returns undefined for `--help`; refuses stray arguments. */
export function parseCommand<F extends Flags>(
  rt: CliRuntime,
  argv: readonly string[],
  flags: F,
  command: string,
  help: string,
): FlagValues<F> | undefined {
  const { values, positionals } = parseFlags(rt.parseArgs, argv, flags, command);
  if (values.help) {
    rt.stdout(help);
    return undefined;
  }
  if (positionals.length > 0) {
    throw new ConfigError(
      `unexpected argument "${positionals[0]}"; see \`edgekiq ${command} --help\``,
    );
  }
  return values;
}

export interface CommandRedis {
  redis: CliRedis;
  /** `redis://127.0.0.1:6379/0`, for logs (never the password). */
  where: string;
  watch: RedisWatch;
}

/**
 * Opens the Redis named by `--redis`, else the config file, else REDIS_URL, else the local
 * default. With a logger, outages are logged; `watch.ready` says when Redis first answers.
 */
export function openCommandRedis(
  rt: CliRuntime,
  from: { flag?: string; file?: { path: string; redis?: RedisConnectionOptions } },
  logger?: Logger,
  extra: Partial<RedisConnectionOptions> = {},
): CommandRedis {
  let options: RedisConnectionOptions;
  let source: string;
  if (from.flag !== undefined) {
    options = parseRedisUrl(from.flag);
    source = "the --redis URL";
  } else if (from.file?.redis) {
    options = from.file.redis;
    source = `config file ${from.file.path}`;
  } else {
    options = parseRedisUrl(rt.env.REDIS_URL || DEFAULT_REDIS_URL);
    source = "REDIS_URL";
  }
  options = { ...options, ...extra };
  const redis = rt.openRedis(options);
  const where = describeRedis(options);
  const watch = watchRedis(
    redis,
    { where, source, username: options.username, db: options.db },
    logger,
  );
  return { redis, where, watch };
}
