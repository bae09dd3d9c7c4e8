// The conformance suite over REST: the real @upstash/redis client (default options: auto-pipelining
// and JSON deserialization on, which the adapter must bypass) talking HTTP to edgekiq's bridge on
// loopback, in front of this file's database. Then the same cases over TCP and REST side by side,
// and the request count: one HTTP request per call, multi and pipeline.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { RedisReplyError } from "../../src/core/errors";
import { toRedisClient } from "../../src/core/redis-input";
import { fromUpstash } from "../../src/redis/rest";
import { fromIoredis } from "../../src/redis/tcp";
import { serveFetch } from "../bridge/serve";
import { useTestRedis } from "../helpers/redis";
import { freePort } from "../helpers/redis-server";
import { CASES, describeRedisClient } from "./conformance";

const t = await useTestRedis();
const TOKEN = "conformance-admin-token-0123456789";
const requests: string[] = [];
// Raw scripting: the conformance suite runs scripts of its own.
const b = bridge({
  redis: t.redis,
  tokens: [{ name: "admin", token: TOKEN, scope: "admin", rawScripting: true }],
});
const served = await serveFetch({
  fetch: (request) => {
    requests.push(new URL(request.url).pathname);
    return b.fetch(request);
  },
});
afterAll(async () => {
  await served.close();
  await b.close();
});

const upstash = new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false });

describeRedisClient("REST (fromUpstash over the bridge)", () => ({
  client: fromUpstash(upstash),
  raw: t.redis,
}));

describeRedisClient("REST ({ url, token } over the bridge)", () => ({
  client: toRedisClient({ url: served.url, token: TOKEN }),
  raw: t.redis,
}));

describe("TCP and REST side by side", () => {
  beforeEach(() => t.flush());

  it("every case returns the same reply over both transports", async () => {
    const tcp = fromIoredis(t.redis);
    const rest = fromUpstash(upstash);
    for (const c of CASES) {
      await t.flush();
      const viaTcp = await c.run({ client: tcp, raw: t.redis });
      const tcpDump = await dumpAll();
      await t.flush();
      const viaRest = await c.run({ client: rest, raw: t.redis });
      expect({ case: c.name, reply: viaRest }).toEqual({ case: c.name, reply: viaTcp });
      // And the data left in Redis is the same, byte for byte (DUMP of every key).
      expect({ case: c.name, dump: await dumpAll() }).toEqual({ case: c.name, dump: tcpDump });
    }
  });

  it("costs one HTTP request per call, multi and pipeline (at the paths Upstash uses)", async () => {
    const rest = fromUpstash(upstash);
    requests.length = 0;
    await rest.call(["set", "a", "1"]);
    await rest.multi([
      ["sadd", "queues", "default"],
      ["lpush", "queue:default", "{}"],
    ]);
    await rest.pipeline([
      ["get", "a"],
      ["llen", "queue:default"],
    ]);
    expect(requests).toEqual(["/", "/multi-exec", "/pipeline"]);
  });
});

describe("REST errors", () => {
  it("carry Redis's text only, never the command (job arguments stay out of error logs)", async () => {
    await t.redis.set("queue:default", "not a list");
    const client = new Client({ redis: upstash });
    const err = await client.push({ class: "Secret", args: ["card-4242424242424242"] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(RedisReplyError);
    expect(err!.message).toBe("WRONGTYPE Operation against a key holding the wrong kind of value");
    expect(String(err!.stack)).not.toContain("4242");
  });

  it("pass a network failure through as it is (not as a Redis reply)", async () => {
    const port = await freePort();
    const down = fromUpstash(
      new UpstashRedis({ url: `http://127.0.0.1:${port}`, token: TOKEN, retry: false }),
    );
    const err = await down.call(["ping"]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(RedisReplyError);
  });

  it("refuses something that is not an @upstash/redis instance", () => {
    expect(() => fromUpstash({} as never)).toThrow(/expected an @upstash\/redis/);
  });
});

async function dumpAll(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await t.redis.keys("*")).sort()) {
    const dump = await t.redis.dumpBuffer(key);
    out[key] = dump ? dump.toString("hex") : "";
  }
  return out;
}
