// The real @upstash/redis client, unmodified, against the bridge: strings, hashes, lists, sets,
// sorted sets, MULTI, pipelines (explicit and automatic) and scripts with the EVALSHA->EVAL
// fallback. Each scenario runs once through Upstash's own methods over HTTP and once through
// ioredis over TCP on the same database; the replies must match and the data left behind must be
// byte for byte the same (DUMP of every key).
import { Redis as UpstashRedis } from "@upstash/redis";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { useTestRedis } from "../helpers/redis";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const TOKEN = "upstash-client-admin-token-0123456789";
const paths: string[] = [];
// Raw scripting: the client's script support is tested with scripts of its own.
const b = bridge({
  redis: t.redis,
  tokens: [{ name: "admin", token: TOKEN, scope: "admin", rawScripting: true }],
});
const served = await serveFetch({
  fetch: (request) => {
    paths.push(new URL(request.url).pathname);
    return b.fetch(request);
  },
});
afterAll(async () => {
  await served.close();
  await b.close();
});

/** As the edge examples build it: raw strings back, no JSON parsing of payloads. */
const upstash = new UpstashRedis({
  url: served.url,
  token: TOKEN,
  automaticDeserialization: false,
  enableTelemetry: false,
});

const unicode = "héllo ✓ 😀 \u0000 \r\n";
const payload =
  '{"retry":true,"queue":"default","class":"HardJob","args":[12345678901234567890,3.0],"jid":"0123456789abcdef01234567","created_at":1700000000.25}';

interface Scenario {
  name: string;
  rest(r: UpstashRedis): Promise<unknown>;
  tcp(r: Redis): Promise<unknown>;
}

const scenarios: Scenario[] = [
  {
    name: "strings",
    rest: async (r) => [
      await r.set("s", unicode),
      await r.get("s"),
      await r.set("p", payload),
      await r.get("p"),
      await r.incr("n"),
      await r.incrbyfloat("f", 1.5),
      await r.mget("s", "missing", "p"),
      await r.append("s", "!"),
      await r.getrange("s", 0, 4),
      await r.strlen("s"),
      await r.set("ex", "v", { ex: 100 }),
      await r.ttl("ex"),
    ],
    tcp: async (r) => [
      await r.set("s", unicode),
      await r.get("s"),
      await r.set("p", payload),
      await r.get("p"),
      await r.incr("n"),
      await r.incrbyfloat("f", 1.5),
      await r.mget("s", "missing", "p"),
      await r.append("s", "!"),
      await r.getrange("s", 0, 4),
      await r.strlen("s"),
      await r.set("ex", "v", "EX", 100),
      await r.ttl("ex"),
    ],
  },
  {
    name: "hashes (HGETALL)",
    rest: async (r) => [
      await r.hset("h", { b: "2", a: unicode, c: payload }),
      await r.hgetall("h"),
      await r.hget("h", "a"),
      await r.hmget("h", "a", "zz"),
      await r.hincrby("h", "b", 5),
      await r.hkeys("h"),
      await r.hlen("h"),
      await r.hdel("h", "c"),
      await r.hgetall("h"),
    ],
    // Raw HGETALL (ioredis's own method would turn the flat reply into an object).
    tcp: async (r) => [
      await r.hset("h", { b: "2", a: unicode, c: payload }),
      await r.call("HGETALL", "h"),
      await r.hget("h", "a"),
      await r.hmget("h", "a", "zz"),
      await r.hincrby("h", "b", 5),
      await r.hkeys("h"),
      await r.hlen("h"),
      await r.hdel("h", "c"),
      await r.call("HGETALL", "h"),
    ],
  },
  {
    name: "lists",
    rest: async (r) => [
      await r.lpush("l", "a", "b", payload),
      await r.rpush("l", unicode),
      await r.lrange("l", 0, -1),
      await r.llen("l"),
      await r.lindex("l", 1),
      await r.rpop("l"),
      await r.lpop("l"),
      await r.lrem("l", 0, "a"),
      await r.lrange("l", 0, -1),
    ],
    tcp: async (r) => [
      await r.lpush("l", "a", "b", payload),
      await r.rpush("l", unicode),
      await r.lrange("l", 0, -1),
      await r.llen("l"),
      await r.lindex("l", 1),
      await r.rpop("l"),
      await r.lpop("l"),
      await r.lrem("l", 0, "a"),
      await r.lrange("l", 0, -1),
    ],
  },
  {
    name: "sets",
    rest: async (r) => [
      await r.sadd("queues", "default", "critical", "default"),
      ((await r.smembers("queues")) as string[]).sort(),
      await r.sismember("queues", "critical"),
      await r.scard("queues"),
      await r.srem("queues", "critical"),
      await r.smembers("queues"),
    ],
    tcp: async (r) => [
      await r.sadd("queues", "default", "critical", "default"),
      (await r.smembers("queues")).sort(),
      await r.sismember("queues", "critical"),
      await r.scard("queues"),
      await r.srem("queues", "critical"),
      await r.smembers("queues"),
    ],
  },
  {
    name: "sorted sets",
    rest: async (r) => [
      await r.zadd(
        "schedule",
        { score: 1700000000.25, member: payload },
        { score: 1.5, member: "b" },
      ),
      await r.zrange("schedule", 0, -1, { withScores: true }),
      await r.zscore("schedule", payload),
      await r.zincrby("schedule", 2, "b"),
      await r.zrange("schedule", "-inf", 10, { byScore: true }),
      await r.zcard("schedule"),
      await r.zrem("schedule", "b"),
      await r.zrange("schedule", 0, -1),
    ],
    tcp: async (r) => [
      await r.zadd("schedule", "1700000000.25", payload, "1.5", "b"),
      await r.zrange("schedule", 0, "-1", "WITHSCORES"),
      await r.zscore("schedule", payload),
      await r.zincrby("schedule", "2", "b"),
      await r.zrangebyscore("schedule", "-inf", 10),
      await r.zcard("schedule"),
      await r.zrem("schedule", "b"),
      await r.zrange("schedule", 0, "-1"),
    ],
  },
  {
    name: "MULTI (one /multi-exec request)",
    rest: async (r) =>
      r
        .multi()
        .sadd("queues", "default")
        .lpush("queue:default", payload)
        .incr("stat:processed")
        .hset("proc", { busy: "0", beat: "1700000000.5" })
        .hgetall("proc")
        .zadd("schedule", { score: 12.5, member: payload })
        .exec(),
    tcp: async (r) => {
      const results = await r
        .multi()
        .sadd("queues", "default")
        .lpush("queue:default", payload)
        .incr("stat:processed")
        .hset("proc", { busy: "0", beat: "1700000000.5" })
        .call("HGETALL", "proc")
        .zadd("schedule", "12.5", payload)
        .exec();
      return results!.map(([, v]) => v);
    },
  },
  {
    name: "pipeline (one /pipeline request)",
    rest: async (r) =>
      r.pipeline().set("a", "1").get("a").incr("a").lrange("missing", 0, -1).get("nope").exec(),
    tcp: async (r) => {
      const results = await r
        .pipeline()
        .set("a", "1")
        .get("a")
        .incr("a")
        .lrange("missing", 0, -1)
        .get("nope")
        .exec();
      return results!.map(([, v]) => v);
    },
  },
];

describe("@upstash/redis against the bridge, compared with ioredis over TCP", () => {
  for (const s of scenarios) {
    it(`${s.name}: same replies, same bytes left in Redis`, async () => {
      await t.flush();
      const viaTcp = await s.tcp(t.redis);
      const tcpData = await dumpAll(t.redis);
      await t.flush();
      paths.length = 0;
      const viaRest = await s.rest(upstash);
      const restData = await dumpAll(t.redis);
      expect(normalize(viaRest)).toEqual(normalize(viaTcp));
      expect(restData).toEqual(tcpData);
      expect(Object.keys(restData).length).toBeGreaterThan(0);
      if (s.name.startsWith("MULTI")) expect(paths).toEqual(["/multi-exec"]);
      if (s.name.startsWith("pipeline")) expect(paths).toEqual(["/pipeline"]);
    });
  }

  it("with automaticDeserialization on, HGETALL and HMGET come back as Upstash's objects", async () => {
    await t.flush();
    await t.redis.hset("h", "a", unicode, "j", '{"x":1}');
    const parsing = new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false });
    expect(await parsing.hgetall("h")).toEqual({ a: unicode, j: { x: 1 } });
    expect(await parsing.hmget("h", "a", "zz")).toEqual({ a: unicode, zz: null });
  });

  it("scripts: EVALSHA fails with NOSCRIPT, the client falls back to EVAL, then EVALSHA works", async () => {
    await t.flush();
    const lua = `-- upstash ${Math.random()}\nreturn {KEYS[1], ARGV[1], redis.call("incr", KEYS[1])}`;
    const script = upstash.createScript(lua);
    paths.length = 0;
    const bodies: string[] = [];
    const spy = bridge({
      redis: t.redis,
      tokens: [{ name: "admin", token: TOKEN, scope: "admin", rawScripting: true }],
    });
    const spied = await serveFetch({
      fetch: async (request) => {
        bodies.push(await request.clone().text());
        return spy.fetch(request);
      },
    });
    try {
      const viaSpy = new UpstashRedis({
        url: spied.url,
        token: TOKEN,
        automaticDeserialization: false,
        enableTelemetry: false,
        enableAutoPipelining: false,
      }).createScript(lua);
      expect(await viaSpy.exec(["counter"], [unicode])).toEqual(["counter", unicode, 1]);
      expect(bodies.map((b) => JSON.parse(b)[0])).toEqual(["evalsha", "eval"]);
      bodies.length = 0;
      expect(await viaSpy.exec(["counter"], ["again"])).toEqual(["counter", "again", 2]);
      expect(bodies.map((b) => JSON.parse(b)[0])).toEqual(["evalsha"]);
      // And the default (auto-pipelining) client gets the same through /pipeline.
      expect(await script.exec(["counter"], ["x"])).toEqual(["counter", "x", 3]);
      expect(await t.redis.get("counter")).toBe("3");
    } finally {
      await spied.close();
      await spy.close();
    }
  });

  it("a Redis error reaches the caller with Redis's own text", async () => {
    await t.flush();
    await t.redis.set("str", "x");
    await expect(upstash.incr("str")).rejects.toThrow(
      /ERR value is not an integer or out of range/,
    );
    await expect(upstash.lpush("str", "a")).rejects.toThrow(
      /WRONGTYPE Operation against a key holding the wrong kind of value/,
    );
  });

  it("the default client (auto-pipelining, JSON parsing) batches same-tick commands into /pipeline", async () => {
    await t.flush();
    const auto = new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false });
    paths.length = 0;
    const [a, b2, c] = await Promise.all([
      auto.set("j", JSON.stringify({ x: 1 })),
      auto.get("j"),
      auto.incr("count"),
    ]);
    expect([a, b2, c]).toEqual(["OK", { x: 1 }, 1]);
    // One batch for the reads, one for the writes (the client keeps them apart).
    expect(paths).toEqual(["/pipeline", "/pipeline"]);
  });
});

/** Upstash returns what ioredis does, except that it types numbers-as-text the same way. */
function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

async function dumpAll(redis: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await redis.keys("*")).sort()) {
    out[key] = ((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString("hex");
    const ttl = await redis.ttl(key);
    if (ttl >= 0) out[`${key} ttl`] = String(ttl);
  }
  return out;
}
