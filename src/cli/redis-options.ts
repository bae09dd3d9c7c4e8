/**
 * Where the CLI's Redis is: a `redis://` or `rediss://` (TLS) URL with an optional ACL username,
 * password and database number, or a Sentinel group from the config file. Produces plain
 * connection options that each runtime hands to ioredis.
 */
import { ConfigError } from "../core/errors";

export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: boolean;
  /** Sentinel: the master group name and the sentinels to ask. */
  sentinels?: { host: string; port: number }[];
  name?: string;
  sentinelPassword?: string;
  /** Give up on a command after one failed attempt (one-shot commands) instead of waiting for Redis. */
  failFast?: boolean;
  /**
   * For servers that answer people (`edgekiq web`): a command fails after this many milliseconds
   * without a reply, and fails at once while Redis is unreachable instead of waiting for it, so a
   * page gets an error in bounded time. Unset (the worker): commands wait for Redis.
   */
  commandTimeoutMs?: number;
}

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export function parseRedisUrl(text: string): RedisConnectionOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `invalid Redis URL "${redact(text)}": expected redis://[user:password@]host[:port][/db]`,
    );
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ConfigError(
      `invalid Redis URL "${redact(text)}": the scheme must be redis:// or rediss:// (TLS)`,
    );
  }
  const dbText = url.pathname.replace(/^\//, "");
  if (dbText !== "" && !/^\d+$/.test(dbText)) {
    throw new ConfigError(
      `invalid Redis URL "${redact(text)}": the path must be a database number`,
    );
  }
  const options: RedisConnectionOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: url.port ? Number(url.port) : 6379,
    db: dbText ? Number(dbText) : 0,
  };
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  if (url.protocol === "rediss:") options.tls = true;
  return options;
}

/** The URL with its password replaced, for messages and logs. */
export function redact(text: string): string {
  return text.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** A short human description: `127.0.0.1:6379/0`, `sentinel mymaster`. */
export function describeRedis(options: RedisConnectionOptions): string {
  if (options.sentinels) return `sentinel group "${options.name}"`;
  return `${options.tls ? "rediss" : "redis"}://${options.host}:${options.port}/${options.db ?? 0}`;
}
