// Redis inputs are typed, not `object`: an ioredis instance, an @upstash/redis instance,
// `{ url, token }` and our RedisClient fit; anything else fails to compile (the @ts-expect-error
// lines are checked by `npm run typecheck`) and is refused at run time. The types are structural,
// so nothing the edge entry reaches imports ioredis or @upstash/redis, not even as a type.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Client } from "../../../src/core/client";
import { ConfigError } from "../../../src/core/errors";
import { type RedisInput, toRedisClient } from "../../../src/core/redis-input";
import { FakeQueues } from "../../../src/testing/fake-queues";
import type { WorkerOptions } from "../../../src/worker/options";

const SRC = join(import.meta.dirname, "../../../src");

describe("Redis inputs", () => {
  it("take an ioredis or @upstash/redis instance, { url, token } or a RedisClient", () => {
    const ioredis = new Redis({ lazyConnect: true });
    const upstash = new UpstashRedis({ url: "http://127.0.0.1:9", token: "t" });
    const inputs: RedisInput[] = [ioredis, upstash, { url: "http://127.0.0.1:9", token: "t" }];
    inputs.push(new FakeQueues());
    for (const input of inputs) expect(typeof toRedisClient(input).evalScript).toBe("function");
    const forWorker: WorkerOptions["redis"] = ioredis;
    expect(forWorker).toBe(ioredis);
    ioredis.disconnect();
  });

  it("refuse anything else, at compile time and at run time", () => {
    // @ts-expect-error an empty object is no Redis
    expect(() => new Client({ redis: {} })).toThrow(ConfigError);
    // @ts-expect-error a token without a URL
    expect(() => toRedisClient({ token: "t" })).toThrow(ConfigError);
    const upstash = new UpstashRedis({ url: "http://127.0.0.1:9", token: "t" });
    // @ts-expect-error a REST client cannot block, so it cannot run a worker
    const forWorker: WorkerOptions["redis"] = upstash;
    expect(forWorker).toBe(upstash);
  });

  it("are declared without importing ioredis or @upstash/redis into the edge entry", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/from "(ioredis|@upstash\/redis)[^"]*"/);
      for (const [, spec] of text.matchAll(/from "(\.[^"]+)"/g)) {
        visit(join(dirname(file), `${spec}.ts`));
      }
    };
    visit(join(SRC, "index.ts"));
    expect(seen).toContain(join(SRC, "redis/tcp.ts"));
    expect(seen).toContain(join(SRC, "redis/rest.ts"));
  });
});
