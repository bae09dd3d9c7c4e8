// The conformance suite over TCP: `fromIoredis` on this file's own database; plus what is not a
// Redis reply (a refused connection) passing through as it is, as over REST.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisReplyError } from "../../src/core/errors";
import { fromIoredis } from "../../src/redis/tcp";
import { useTestRedis } from "../helpers/redis";
import { freePort } from "../helpers/redis-server";
import { describeRedisClient } from "./conformance";

const t = await useTestRedis();

describeRedisClient("TCP (fromIoredis)", () => ({ client: fromIoredis(t.redis), raw: t.redis }));

describe("TCP transport errors", () => {
  it("pass a network failure through as it is (not as a Redis reply)", async () => {
    const port = await freePort();
    const down = new Redis({
      host: "127.0.0.1",
      port,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on("error", () => undefined);
    try {
      const err = await fromIoredis(down)
        .call(["ping"])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(RedisReplyError);
    } finally {
      down.disconnect();
    }
  });
});
