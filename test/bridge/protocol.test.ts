// The Upstash REST protocol details the bridge must get exactly right: base64 of Redis's exact
// bytes (status replies included), RESP2 shapes, per-command errors in pipelines, a single error
// for a discarded transaction, a base path, and the per-token connection pools.
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type BridgeToken, bridge } from "../../src/bridge";
import { useTestRedis } from "../helpers/redis";
import { freePort } from "../helpers/redis-server";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const TOKEN = "protocol-admin-token-0123456789";
// Raw scripting: these tests check how arbitrary script replies are encoded.
const b = bridge({
  redis: t.redis,
  tokens: [{ name: "admin", token: TOKEN, scope: "admin", rawScripting: true }],
});
afterAll(() => b.close());
beforeEach(() => t.flush());

async function post(body: unknown, path = "/", base64 = true) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${TOKEN}`,
    "upstash-telemetry-sdk": "test",
    "upstash-sync-token": "",
  };
  if (base64) headers["upstash-encoding"] = "base64";
  const res = await b.fetch(
    new Request(`http://bridge.test${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

const b64 = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === "string" ? Buffer.from(bytes) : bytes).toString("base64");

describe("encoding", () => {
  const binary = new Uint8Array([0xff, 0x00, 0x80, 0x41, 0xc3, 0x28, 0x0d, 0x0a]);

  it("base64 mode returns Redis's exact bytes, invalid UTF-8 included", async () => {
    await t.redis.set("bin", Buffer.from(binary));
    const { status, body } = await post(["GET", "bin"]);
    expect(status).toBe(200);
    expect(new Uint8Array(Buffer.from(body.result, "base64"))).toEqual(binary);
  });

  it("without base64, strings are UTF-8 with U+FFFD for invalid bytes (as Upstash does)", async () => {
    await t.redis.set("bin", Buffer.from(binary));
    const { body } = await post(["GET", "bin"], "/", false);
    expect(body.result).toBe("\ufffd\u0000\ufffdA\ufffd(\r\n");
  });

  it("status replies are base64 too; integers and nulls are not; arrays recurse", async () => {
    expect((await post(["SET", "a", "1"])).body).toEqual({ result: b64("OK") });
    expect((await post(["PING"])).body).toEqual({ result: b64("PONG") });
    expect((await post(["TYPE", "a"])).body).toEqual({ result: b64("string") });
    expect((await post(["INCR", "a"])).body).toEqual({ result: 2 });
    expect((await post(["GET", "nope"])).body).toEqual({ result: null });
    const nested = await post(["EVAL", "return {1, 'x', {'y', 2}, false}", 0]);
    expect(nested.body).toEqual({ result: [1, b64("x"), [b64("y"), 2], null] });
  });

  it("replies are RESP2-shaped: HGETALL flat, scores as text, no JSON objects anywhere", async () => {
    await t.redis.hset("h", "f", "v", "g", "w");
    await t.redis.zadd("z", "1.5", "m");
    expect((await post(["HGETALL", "h"], "/", false)).body).toEqual({
      result: ["f", "v", "g", "w"],
    });
    expect((await post(["ZRANGE", "z", 0, -1, "WITHSCORES"], "/", false)).body).toEqual({
      result: ["m", "1.5"],
    });
    expect((await post(["ZSCORE", "z", "m"], "/", false)).body).toEqual({ result: "1.5" });
    const scan = await post(["HSCAN", "h", 0], "/", false);
    expect(scan.body.result[0]).toBe("0");
    expect(scan.body.result[1]).toEqual(["f", "v", "g", "w"]);
  });

  it("numbers and booleans in the body go to Redis as their text", async () => {
    expect((await post(["SET", "n", 1.25], "/", false)).status).toBe(200);
    expect(await t.redis.get("n")).toBe("1.25");
    await post(["SET", "bool", true], "/", false);
    expect(await t.redis.get("bool")).toBe("true");
  });
});

describe("errors", () => {
  it("a failing command is a 400 with Redis's text, never base64-encoded", async () => {
    await t.redis.set("s", "x");
    expect(await post(["INCR", "s"])).toEqual({
      status: 400,
      body: { error: "ERR value is not an integer or out of range" },
    });
    expect(await post(["FOO", "bar"])).toEqual({
      status: 400,
      body: { error: "ERR unknown command 'FOO', with args beginning with: 'bar' " },
    });
    expect((await post(["EVALSHA", "f".repeat(40), 0])).body).toEqual({
      error: "NOSCRIPT No matching script. Please use EVAL.",
    });
  });

  it("a pipeline answers 200 with one result or error per command, in order", async () => {
    await t.redis.set("s", "x");
    const { status, body } = await post(
      [
        ["SET", "a", "1"],
        ["INCR", "s"],
        ["GET", "a"],
      ],
      "/pipeline",
    );
    expect(status).toBe(200);
    expect(body).toEqual([
      { result: b64("OK") },
      { error: "ERR value is not an integer or out of range" },
      { result: b64("1") },
    ]);
  });

  it("a transaction with a run-time error runs the rest; one rejected while queuing is discarded", async () => {
    await t.redis.set("s", "x");
    const ran = await post(
      [
        ["INCR", "c"],
        ["INCR", "s"],
        ["GET", "c"],
      ],
      "/multi-exec",
    );
    expect(ran).toEqual({
      status: 200,
      body: [
        { result: 1 },
        { error: "ERR value is not an integer or out of range" },
        { result: b64("1") },
      ],
    });
    const discarded = await post(
      [
        ["INCR", "c"],
        ["INCR", "c", "too", "many"],
      ],
      "/multi-exec",
    );
    expect(discarded.status).toBe(400);
    expect(discarded.body).toEqual({
      error: "EXECABORT Transaction discarded because of previous errors.",
    });
    expect(await t.redis.get("c")).toBe("1");
  });
});

describe("deployment", () => {
  it("serves under a base path, as @upstash/redis addresses it (no trailing slash)", async () => {
    const prefixed = bridge({
      redis: t.redis,
      basePath: "/redis",
      tokens: [{ name: "admin", token: TOKEN, scope: "admin" }],
    });
    const served = await serveFetch(prefixed);
    try {
      const client = new UpstashRedis({
        url: `${served.url}/redis`,
        token: TOKEN,
        enableTelemetry: false,
      });
      await client.set("k", "v");
      expect(await client.multi().get("k").incr("n").exec()).toEqual(["v", 1]);
      const outside = await fetch(`${served.url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '["PING"]',
      });
      expect(outside.status).toBe(404);
    } finally {
      await served.close();
      await prefixed.close();
    }
  });

  it("gives each token its own pool of poolSize connections, from a factory", async () => {
    const made: string[] = [];
    const tokens: BridgeToken[] = [
      { name: "one", token: "one-token-0123456789abcdef", scope: "admin" },
      { name: "two", token: "two-token-0123456789abcdef", scope: "read" },
    ];
    const pooled = bridge({
      tokens,
      poolSize: 3,
      redis: (token) => {
        made.push(token.name);
        return new Redis(t.url, { protocol: 2 });
      },
    });
    try {
      for (const token of ["one-token-0123456789abcdef", "two-token-0123456789abcdef"]) {
        for (let i = 0; i < 5; i++) {
          const res = await pooled.fetch(
            new Request("http://bridge.test/", {
              method: "POST",
              headers: { authorization: `Bearer ${token}` },
              body: '["PING"]',
            }),
          );
          expect(res.status).toBe(200);
        }
      }
      expect(made).toEqual(["one", "one", "one", "two", "two", "two"]);
    } finally {
      await pooled.close();
    }
  });

  it("refuses a RESP3 connection from a factory with a clear error", async () => {
    const resp3 = bridge({
      tokens: [{ name: "a", token: TOKEN, scope: "admin" }],
      redis: () => new Redis(t.url, { lazyConnect: true }),
    });
    const res = await resp3.fetch(
      new Request("http://bridge.test/", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '["PING"]',
      }),
    );
    expect(res.status).toBe(500);
    expect((await res.json()).error).toMatch(/RESP2.*protocol: 2/);
    await resp3.close();
  });

  it("reports each request to onRequest: token name, status, command names, never arguments", async () => {
    const events: unknown[] = [];
    const logged = bridge({
      redis: t.redis,
      tokens: [{ name: "edge", token: "edge-token-0123456789abcdef", scope: "enqueue" }],
      onRequest: (e) => events.push({ ...e, ms: typeof e.ms }),
    });
    const send = (path: string, body: unknown, token?: string) =>
      logged.fetch(
        new Request(`http://bridge.test${path}`, {
          method: "POST",
          headers: token ? { authorization: `Bearer ${token}` } : {},
          body: JSON.stringify(body),
        }),
      );
    await send(
      "/multi-exec",
      [
        ["SADD", "queues", "default"],
        ["LPUSH", "queue:default", '{"args":["secret-value"]}'],
      ],
      "edge-token-0123456789abcdef",
    );
    await send("/", ["GET", "secret-key"], "edge-token-0123456789abcdef");
    await send("/", ["PING"]);
    await logged.close();
    expect(events).toEqual([
      {
        token: "edge",
        path: "/multi-exec",
        status: 200,
        commands: ["sadd", "lpush"],
        ms: "number",
      },
      { token: "edge", path: "/", status: 403, commands: ["get"], ms: "number" },
      { token: undefined, path: "/", status: 401, commands: [], ms: "number" },
    ]);
    expect(JSON.stringify(events)).not.toContain("secret");
  });

  it("answers 502 with a JSON error when Redis cannot be reached", async () => {
    const port = await freePort();
    const down = bridge({
      tokens: [{ name: "a", token: TOKEN, scope: "admin" }],
      redis: () =>
        new Redis(port, "127.0.0.1", {
          protocol: 2,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        }),
    });
    const res = await down.fetch(
      new Request("http://bridge.test/", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '["PING"]',
      }),
    );
    expect(res.status).toBe(502);
    expect((await res.json()).error).toMatch(/^ERR bridge cannot reach Redis/);
    await down.close();
  });
});
