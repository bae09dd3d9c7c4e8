// The transport conformance suite: one list of cases, each a few commands through a `RedisClient`
// with the exact RESP2-shaped reply Redis gives. `describeRedisClient` runs it against any
// transport (TCP via ioredis, REST via @upstash/redis through the bridge), so every transport
// must return the same bytes; `CASES` is exported so a test can also compare two transports.
import type { Redis } from "ioredis";
import { beforeEach, describe, expect, it } from "vitest";
import { RedisReplyError } from "../../src/core/errors";
import type { LuaScript, RedisClient } from "../../src/redis/types";

export interface ConformanceContext {
  client: RedisClient;
  /** A direct ioredis connection to the same database, for setup and inspection. */
  raw: Redis;
}

export interface ConformanceCase {
  name: string;
  run(ctx: ConformanceContext): Promise<unknown>;
  /** The exact reply; omitted when the case asserts by itself (errors). */
  expected?: unknown;
}

const unicode = "héllo ✓ 😀 \u0000 \r\n end";
const payload =
  '{"retry":true,"queue":"default","class":"HardJob","args":[12345678901234567890,3.0,"x"],"jid":"b4a577edbccf1d805744efa9","created_at":1700000000.1234567}';
const big = "x".repeat(256 * 1024) + unicode;

/** A script whose SHA-1 is computed with WebCrypto, as any runtime could. */
async function luaScript(lua: string): Promise<LuaScript> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(lua));
  const sha1 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { name: "conformance", numberOfKeys: -1, lua, sha1 };
}

async function rejection(p: Promise<unknown>): Promise<RedisReplyError> {
  const err = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RedisReplyError);
  return err as RedisReplyError;
}

export const CASES: ConformanceCase[] = [
  {
    name: "strings: SET returns OK, GET returns the exact text (unicode, NUL, CRLF)",
    run: async ({ client }) => [
      await client.call(["set", "s:1", unicode]),
      await client.call(["get", "s:1"]),
      await client.call(["strlen", "s:1"]),
    ],
    expected: ["OK", unicode, new TextEncoder().encode(unicode).length],
  },
  {
    name: "strings: a missing key is null; numbers-looking text stays text",
    run: async ({ client }) => [
      await client.call(["get", "s:missing"]),
      await client.call(["set", "s:n", "007"]),
      await client.call(["get", "s:n"]),
      await client.call(["set", "s:e", "1e3"]),
      await client.call(["get", "s:e"]),
      await client.call(["set", "s:empty", ""]),
      await client.call(["get", "s:empty"]),
    ],
    expected: [null, "OK", "007", "OK", "1e3", "OK", ""],
  },
  {
    name: "strings: INCR is an integer, INCRBYFLOAT a bulk string, numbers go as decimal text",
    run: async ({ client }) => [
      await client.call(["incr", "s:c"]),
      await client.call(["incrby", "s:c", 41]),
      await client.call(["incrbyfloat", "s:f", 1.5]),
      await client.call(["incrbyfloat", "s:f", "2.25"]),
      await client.call(["append", "s:a", "ab"]),
      await client.call(["getrange", "s:f", 0, 1]),
    ],
    expected: [1, 42, "1.5", "3.75", 2, "3."],
  },
  {
    name: "strings: MSET / MGET with a hole, a Sidekiq payload byte for byte, a 256 KiB value",
    run: async ({ client }) => [
      await client.call(["mset", "m:1", "one", "m:3", payload]),
      await client.call(["mget", "m:1", "m:2", "m:3"]),
      await client.call(["set", "s:big", big]),
      (await client.call(["get", "s:big"])) === big,
    ],
    expected: ["OK", ["one", null, payload], "OK", true],
  },
  {
    name: "strings: bytes that are not UTF-8 come back with U+FFFD in their place, the same way",
    run: async ({ client, raw }) => {
      await raw.set("s:bin", Buffer.from([0xff, 0x41, 0xc3, 0x28, 0xe2, 0x82]));
      return client.call(["get", "s:bin"]);
    },
    expected: "\ufffdA\ufffd(\ufffd",
  },
  {
    name: "keys: EXISTS / DEL count, TTL after EX, TYPE is a status reply",
    run: async ({ client }) => [
      await client.call(["set", "k:1", "v", "EX", 100]),
      await client.call(["ttl", "k:1"]),
      await client.call(["type", "k:1"]),
      await client.call(["exists", "k:1", "k:2", "k:1"]),
      await client.call(["del", "k:1", "k:2"]),
      await client.call(["ttl", "k:1"]),
    ],
    expected: ["OK", 100, "string", 2, 1, -2],
  },
  {
    name: "hashes: HGETALL is a flat [field, value, ...] array in Redis's order",
    run: async ({ client }) => [
      await client.call(["hset", "h:1", "b", "2", "a", unicode, "c", "3"]),
      await client.call(["hgetall", "h:1"]),
      await client.call(["hmget", "h:1", "a", "zz", "c"]),
      await client.call(["hincrby", "h:1", "c", 4]),
      await client.call(["hkeys", "h:1"]),
      await client.call(["hgetall", "h:missing"]),
    ],
    expected: [3, ["b", "2", "a", unicode, "c", "3"], [unicode, null, "3"], 7, ["b", "a", "c"], []],
  },
  {
    name: "lists: LPUSH many, LRANGE newest first, LPOP/RPOP with a count",
    run: async ({ client }) => [
      await client.call(["lpush", "l:1", "a", "b", payload]),
      await client.call(["lrange", "l:1", 0, -1]),
      await client.call(["llen", "l:1"]),
      await client.call(["rpop", "l:1", 2]),
      await client.call(["lpop", "l:1"]),
      await client.call(["lpop", "l:1"]),
    ],
    expected: [3, [payload, "b", "a"], 3, ["a", "b"], payload, null],
  },
  {
    name: "sets: SADD counts new members, SMEMBERS (sorted here), SISMEMBER, SMISMEMBER",
    run: async ({ client }) => [
      await client.call(["sadd", "set:1", "default", "critical", "default"]),
      ((await client.call(["smembers", "set:1"])) as string[]).sort(),
      await client.call(["sismember", "set:1", "critical"]),
      await client.call(["smismember", "set:1", "x", "default"]),
      await client.call(["scard", "set:1"]),
    ],
    expected: [2, ["critical", "default"], 1, [0, 1], 2],
  },
  {
    name: "sorted sets: scores come back as Redis's own text (WITHSCORES is flat)",
    run: async ({ client }) => [
      await client.call(["zadd", "z:1", "1700000000.1234567", payload, "1.5", "b", "-inf", "c"]),
      await client.call(["zrange", "z:1", 0, -1, "WITHSCORES"]),
      await client.call(["zscore", "z:1", payload]),
      await client.call(["zincrby", "z:1", 1.25, "b"]),
      await client.call(["zrangebyscore", "z:1", "-inf", "3", "WITHSCORES", "LIMIT", 0, 5]),
      await client.call(["zcard", "z:1"]),
      await client.call(["zscore", "z:1", "nope"]),
    ],
    expected: [
      3,
      ["c", "-inf", "b", "1.5", payload, "1700000000.1234567"],
      "1700000000.1234567",
      "2.75",
      ["c", "-inf", "b", "2.75"],
      3,
      null,
    ],
  },
  {
    name: "multi: one reply per command, atomic",
    run: async ({ client }) =>
      client.multi([
        ["sadd", "queues", "default"],
        ["lpush", "queue:default", payload],
        ["lrange", "queue:default", 0, -1],
        ["hset", "mh", "f", "v"],
        ["hgetall", "mh"],
        ["zadd", "schedule", "1.5", payload],
        ["zrange", "schedule", 0, -1, "WITHSCORES"],
      ]),
    expected: [1, 1, [payload], 1, ["f", "v"], 1, [payload, "1.5"]],
  },
  {
    name: "multi: an empty list costs nothing and returns []",
    run: async ({ client }) => [await client.multi([]), await client.pipeline([])],
    expected: [[], []],
  },
  {
    name: "multi: a command failing at run time rejects with Redis's text; the others ran",
    run: async ({ client, raw }) => {
      await raw.set("mx:str", "x");
      const err = await rejection(
        client.multi([
          ["incr", "mx:count"],
          ["lpush", "mx:str", "a"],
        ]),
      );
      return [err.message, err.redisCode, await raw.get("mx:count")];
    },
    expected: [
      "WRONGTYPE Operation against a key holding the wrong kind of value",
      "WRONGTYPE",
      "1",
    ],
  },
  {
    name: "multi: a command Redis rejects while queuing discards the whole transaction",
    run: async ({ client, raw }) => {
      const err = await rejection(
        client.multi([
          ["incr", "md:count"],
          ["incr", "md:count", "extra", "args"],
        ]),
      );
      return [/EXECABORT|wrong number of arguments/.test(err.message), await raw.get("md:count")];
    },
    expected: [true, null],
  },
  {
    name: "pipeline: replies in order; a failing command rejects with Redis's text",
    run: async ({ client, raw }) => {
      const ok = await client.pipeline([
        ["set", "p:1", "a"],
        ["get", "p:1"],
        ["incr", "p:n"],
        ["hgetall", "p:missing"],
      ]);
      await raw.set("p:str", "x");
      const err = await rejection(
        client.pipeline([
          ["incr", "p:n"],
          ["incr", "p:str"],
        ]),
      );
      return [ok, err.message, await raw.get("p:n")];
    },
    expected: [["OK", "a", 1, []], "ERR value is not an integer or out of range", "2"],
  },
  {
    name: "errors: an unknown command rejects with Redis's own text and its error prefix",
    run: async ({ client }) => {
      const err = await rejection(client.call(["nosuchcommand", "a"]));
      return [err.message, err.code, err.redisCode, err.command];
    },
    expected: [
      "ERR unknown command 'nosuchcommand', with args beginning with: 'a' ",
      "REDIS_REPLY",
      "ERR",
      "nosuchcommand",
    ],
  },
  {
    name: "scripts: EVALSHA of an unknown script falls back to EVAL once, then EVALSHA works",
    run: async ({ client, raw }) => {
      // A fresh body each run, so the server has never seen its SHA-1.
      const s = await luaScript(
        `-- conformance ${Math.random()}\nreturn {KEYS[1], ARGV[1], 7, {ARGV[2]}}`,
      );
      const before = await raw.call("script", "exists", s.sha1);
      const first = await client.evalScript(s, ["sk:1"], [unicode, 2.5]);
      const after = await raw.call("script", "exists", s.sha1);
      const second = await client.evalScript(s, ["sk:2"], ["again", "x"]);
      return [before, first, after, second];
    },
    expected: [[0], ["sk:1", unicode, 7, ["2.5"]], [1], ["sk:2", "again", 7, ["x"]]],
  },
  {
    name: "scripts: a NOSCRIPT reply keeps its text; a script error keeps Redis's text",
    run: async ({ client }) => {
      const noscript = await rejection(client.call(["evalsha", "0".repeat(40), 0]));
      const failing = await luaScript(`return redis.call("incr", KEYS[1]) -- ${Math.random()}`);
      await client.call(["set", "se:1", "text"]);
      const err = await rejection(client.evalScript(failing, ["se:1"], []));
      return [noscript.message, noscript.redisCode, /value is not an integer/.test(err.message)];
    },
    expected: ["NOSCRIPT No matching script. Please use EVAL.", "NOSCRIPT", true],
  },
];

/** Runs every case against the transport `factory` builds (once per file). */
export function describeRedisClient(
  name: string,
  factory: () => Promise<ConformanceContext> | ConformanceContext,
): void {
  describe(`RedisClient conformance: ${name}`, () => {
    let ctx: ConformanceContext;
    beforeEach(async () => {
      ctx ??= await factory();
      await ctx.raw.flushdb();
    });
    for (const c of CASES) {
      it(c.name, async () => {
        const got = await c.run(ctx);
        expect(got).toEqual(c.expected);
      });
    }
  });
}
