/**
 * Turns whatever the user passes as `redis` into our `RedisClient`: one of ours as is, an ioredis
 * instance (TCP), an @upstash/redis instance (REST), or `{ url, token }` for REST.
 */

import {
  fromUpstash,
  fromUpstashConfig,
  isUpstash,
  isUpstashConfig,
  type UpstashConfig,
  type UpstashLike,
} from "../redis/rest";
import { fromIoredis, type IoredisLike, isIoredis } from "../redis/tcp";
import { isRedisClient, type RedisClient } from "../redis/types";
import { ConfigError } from "./errors";

/**
 * Anything `new Client({ redis })` (and the API and the dashboard) accepts. All four are
 * structural types: declaring them pulls neither ioredis nor @upstash/redis into the edge entry.
 */
export type RedisInput = RedisClient | IoredisLike | UpstashLike | UpstashConfig;

export function toRedisClient(input: RedisInput | undefined): RedisClient {
  if (isRedisClient(input)) return input;
  if (isIoredis(input)) return fromIoredis(input);
  if (isUpstash(input)) return fromUpstash(input);
  if (isUpstashConfig(input)) return fromUpstashConfig(input);
  throw new ConfigError(
    "`redis` must be an ioredis instance, an @upstash/redis instance or { url, token }",
  );
}
