// Opens the worker's Redis on Node (also used by the Bun and Deno entries, which run ioredis
// through their Node compatibility): ioredis from parsed CLI options, including TLS, ACL users,
// database numbers and Sentinel.
// ioredis is an optional peer (edge-only users never install it), so it is required on first use:
// `edgekiq --help` and the runtime entries load without it, and opening a connection says what to
// install. `require` (ioredis is CommonJS) rather than a top-level `await import`, which would make
// these entries impossible to `require()` where Node can require ES modules.
import { createRequire } from "node:module";
import type { Redis, RedisOptions } from "ioredis";
import type { RedisConnectionOptions } from "../../src/cli/redis-options";
import { ConfigError } from "../../src/core/errors";

const requireHere = createRequire(import.meta.url);

function ioredis(): typeof import("ioredis") {
  try {
    return requireHere("ioredis");
  } catch (err) {
    const reason = (err as Error)?.message?.split("\n")[0] ?? String(err);
    throw new ConfigError(
      `ioredis is needed to reach Redis over TCP and cannot be loaded: npm install ioredis (${reason})`,
      { cause: err },
    );
  }
}

export function openRedis(options: RedisConnectionOptions, extra: RedisOptions = {}): Redis {
  const { Redis } = ioredis();
  const common: RedisOptions = {
    username: options.username,
    password: options.password,
    db: options.db ?? 0,
    // Never give up (unless asked to fail fast): the worker waits for Redis to come back and logs
    // the outage itself.
    maxRetriesPerRequest: options.failFast ? 1 : null,
    retryStrategy: options.failFast
      ? () => null
      : (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
    lazyConnect: false,
    // A bounded command: fail while Redis is down instead of queuing, and never resend a command
    // after a reconnect (its caller was already told it failed).
    ...(options.commandTimeoutMs !== undefined
      ? {
          commandTimeout: options.commandTimeoutMs,
          enableOfflineQueue: false,
          autoResendUnfulfilledCommands: false,
        }
      : {}),
    ...extra,
  };
  if (options.sentinels) {
    return new Redis({
      ...common,
      sentinels: options.sentinels,
      name: options.name,
      sentinelPassword: options.sentinelPassword,
      enableTLSForSentinelMode: options.tls === true,
      ...(options.tls ? { tls: {} } : {}),
    });
  }
  return new Redis({
    ...common,
    host: options.host,
    port: options.port,
    ...(options.tls ? { tls: { servername: options.host } } : {}),
  });
}
