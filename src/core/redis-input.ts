/**
 * Turns whatever the user passes as `redis` into our `RedisClient`: one of ours as is, an ioredis
 * instance (TCP), an @upstash/redis instance (REST), or `{ url, token }` for REST.
 */

import { fromUpstash, fromUpstashConfig, isUpstash, isUpstashConfig } from "../redis/rest";
import { fromIoredis, isIoredis } from "../redis/tcp";
import type { RedisClient } from "../redis/types";
import { ConfigError } from "./errors";

/** Anything `new Client({ redis })` accepts. */
export type RedisInput = RedisClient | object;

export function isRedisClient(value: unknown): value is RedisClient {
  const v = value as Record<string, unknown> | null;
  return (
    !!v &&
    typeof v.call === "function" &&
    typeof v.multi === "function" &&
    typeof v.pipeline === "function" &&
    typeof v.evalScript === "function"
  );
}

export function toRedisClient(input: RedisInput | undefined): RedisClient {
  if (isRedisClient(input)) return input;
  if (isIoredis(input)) return fromIoredis(input);
  if (isUpstash(input)) return fromUpstash(input);
  if (isUpstashConfig(input)) return fromUpstashConfig(input);
  throw new ConfigError(
    "`redis` must be an ioredis instance, an @upstash/redis instance or { url, token }",
  );
}
