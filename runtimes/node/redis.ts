// Opens the worker's Redis on Node (also used by the Bun and Deno entries, which run ioredis
// through their Node compatibility): ioredis from parsed CLI options, including TLS, ACL users,
// database numbers and Sentinel.
import { Redis, type RedisOptions } from "ioredis";
import type { RedisConnectionOptions } from "../../src/cli/redis-options";

export function openRedis(options: RedisConnectionOptions, extra: RedisOptions = {}): Redis {
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
