// The bridge's security contract, against a private redis-server (so DEBUG DIGEST sees only what
// this file does): 401 without a valid token, 403 for whatever a token's scope does not allow
// (checked for every command before anything runs), 400 for malformed bodies and for commands no
// token may run, 413 for oversized bodies, and a thousand seeded random bodies that leave the
// bridge up and Redis unchanged.
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Bridge, bridge, sha256Hex } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { pushIdempotent } from "../../src/redis/scripts/index.gen";
import { startRedisServer } from "../helpers/redis-server";
import { serveFetch } from "./serve";

const ENQUEUE = "enqueue-token-aaaaaaaaaaaaaaaa";
const NS_ENQUEUE = "ns-enqueue-token-bbbbbbbbbbbbbb";
const READ = "read-token-cccccccccccccccccccc";
const ADMIN = "admin-token-dddddddddddddddddddd";
const HASHED = "hashed-token-eeeeeeeeeeeeeeeeeeee";
const LIST = "list-token-ffffffffffffffffffffff";

const server = await startRedisServer({ extraArgs: ["--enable-debug-command", "yes"] });
const redis = new Redis(server.url);
let b: Bridge;

beforeAll(async () => {
  b = bridge({
    redis,
    maxBodyBytes: 4096,
    tokens: [
      { name: "enqueue", token: ENQUEUE, scope: "enqueue" },
      { name: "ns-enqueue", token: NS_ENQUEUE, scope: "enqueue", namespace: "myapp" },
      { name: "read", token: READ, scope: "read" },
      { name: "admin", token: ADMIN, scope: "admin" },
      { name: "hashed", sha256: await sha256Hex(HASHED), scope: "read" },
      {
        name: "list",
        token: LIST,
        scope: { commands: ["get", "set", "mset", "del", "evalsha"], keys: ["cache:*"] },
      },
    ],
  });
});
afterAll(async () => {
  await b.close();
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
});

interface Answer {
  status: number;
  body: any;
}

async function post(
  body: unknown,
  { token, path = "/", raw = false }: { token?: string; path?: string; raw?: boolean } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await b.fetch(
    new Request(`http://bridge.test${path}`, {
      method: "POST",
      headers,
      body: raw ? (body as string) : JSON.stringify(body),
    }),
  );
  expect(res.headers.get("content-type")).toBe("application/json");
  return { status: res.status, body: await res.json() };
}

describe("authentication", () => {
  it("no token, a wrong token, a near miss or another scheme get 401 with a JSON error", async () => {
    for (const token of [
      undefined,
      "wrong-token-000000000000000000",
      `${ADMIN}x`,
      ADMIN.slice(1),
    ]) {
      const a = await post(["PING"], { token });
      expect(a).toEqual({
        status: 401,
        body: { error: "WRONGPASS invalid or missing auth token" },
      });
    }
    const basic = await b.fetch(
      new Request("http://bridge.test/", {
        method: "POST",
        headers: { authorization: `Basic ${ADMIN}` },
        body: '["PING"]',
      }),
    );
    expect(basic.status).toBe(401);
  });

  it("a token stored only as its SHA-256 works", async () => {
    expect(await post(["PING"], { token: HASHED })).toEqual({
      status: 200,
      body: { result: "PONG" },
    });
  });

  it("auth is checked before the body is read (an unauthenticated huge body is a 401)", async () => {
    const a = await post("x".repeat(100_000), { raw: true });
    expect(a.status).toBe(401);
  });
});

describe("the enqueue scope", () => {
  const forbidden: [string, unknown[]][] = [
    ["GET", ["GET", "queue:default"]],
    ["KEYS", ["KEYS", "*"]],
    ["SCAN", ["SCAN", "0"]],
    ["FLUSHALL", ["FLUSHALL"]],
    ["FLUSHDB", ["FLUSHDB"]],
    ["CONFIG", ["CONFIG", "GET", "*"]],
    ["DEL of a queue", ["DEL", "queue:default"]],
    ["LRANGE of a queue", ["LRANGE", "queue:default", 0, -1]],
    ["EVAL of an arbitrary script", ["EVAL", "return redis.call('flushall')", 0]],
    [
      "EVAL of the push script, changed",
      ["EVAL", `${pushIdempotent.lua} `, 2, "queues", "schedule", 60],
    ],
    ["EVALSHA of another script", ["EVALSHA", "a".repeat(40), 0]],
    ["LPUSH outside the queue keys", ["LPUSH", "retry", "{}"]],
    ["LPUSH on the bare prefix", ["LPUSH", "queue:", "{}"]],
    ["SADD on another set", ["SADD", "processes", "x"]],
    ["ZADD on the retry set", ["ZADD", "retry", 1, "{}"]],
    ["ZADD on the dead set", ["ZADD", "dead", 1, "{}"]],
    ["SET", ["SET", "queue:default", "x"]],
    ["RPUSH on a queue", ["RPUSH", "queue:default", "{}"]],
    ["BLPOP", ["BLPOP", "queue:default", 1]],
    ["SELECT", ["SELECT", 2]],
    [
      "the push script with keys out of place",
      ["EVALSHA", pushIdempotent.sha1, 4, "queues", "schedule", "queue:x", "edgekiq:pushed:1", 60],
    ],
    [
      "the push script writing a marker outside its prefix",
      ["EVALSHA", pushIdempotent.sha1, 4, "queues", "schedule", "processes", "queue:x", 60],
    ],
  ];
  for (const [what, command] of forbidden) {
    it(`refuses ${what} with 403 NOPERM`, async () => {
      const a = await post(command, { token: ENQUEUE });
      expect(a.status).toBe(403);
      expect(a.body.error).toMatch(/^NOPERM this token has no permissions to run the '/);
    });
  }

  it("refuses a pipeline or transaction holding one forbidden command, running none of it", async () => {
    for (const path of ["/pipeline", "/multi-exec"]) {
      const a = await post(
        [
          ["SADD", "queues", "default"],
          ["LPUSH", "queue:default", "{}"],
          ["DEL", "schedule"],
        ],
        { token: ENQUEUE, path },
      );
      expect(a.status).toBe(403);
      expect(await redis.dbsize()).toBe(0);
    }
  });

  it("allows exactly what edgekiq's client sends: plain and idempotent pushes, now and later", async () => {
    const served = await serveFetch(b);
    try {
      const plain = new Client({ redis: { url: served.url, token: ENQUEUE } });
      const jid = await plain.push({ class: "HardJob", args: [1] });
      await plain.push({ class: "LaterJob", args: [], at: Date.now() / 1000 + 600 });
      const idem = new Client({ redis: { url: served.url, token: ENQUEUE }, idempotent: true });
      const jids = await idem.pushBulk({ class: "BulkJob", args: [[1], [2]], queue: "low" });
      await idem.push({
        class: "LaterJob",
        args: [],
        at: Date.now() / 1000 + 600,
        jid: "fixed-jid",
      });
      expect((await redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j).jid)).toEqual([
        jid,
      ]);
      expect((await redis.lrange("queue:low", 0, -1)).map((j) => JSON.parse(j).jid)).toEqual(
        [...jids].reverse(),
      );
      expect((await redis.smembers("queues")).sort()).toEqual(["default", "low"]);
      expect(await redis.zcard("schedule")).toBe(2);
    } finally {
      await served.close();
    }
  });

  it("honours its namespace: only <ns>:queues, <ns>:queue:*, <ns>:schedule", async () => {
    expect((await post(["LPUSH", "queue:default", "{}"], { token: NS_ENQUEUE })).status).toBe(403);
    expect((await post(["SADD", "queues", "default"], { token: NS_ENQUEUE })).status).toBe(403);
    expect((await post(["LPUSH", "myapp:queue:default", "{}"], { token: NS_ENQUEUE })).status).toBe(
      200,
    );
    expect((await post(["ZADD", "myapp:schedule", 1, "{}"], { token: NS_ENQUEUE })).status).toBe(
      200,
    );
    const idem = new Client({
      redis: { url: "http://unused.invalid", token: "x" },
      namespace: "myapp",
      idempotent: true,
    });
    expect(idem.keys.pushed("j")).toBe("myapp:edgekiq:pushed:j");
  });
});

describe("the read, admin and explicit scopes", () => {
  it("read: reads of Sidekiq's keys pass, writes and whole-keyspace walks do not", async () => {
    await redis.set("stat:processed", "1");
    expect(await post(["GET", "stat:processed"], { token: READ })).toEqual({
      status: 200,
      body: { result: "1" },
    });
    expect((await post(["HGETALL", "queue:x"], { token: READ })).status).toBe(200);
    for (const c of [
      ["SET", "stat:processed", "2"],
      ["DEL", "stat:processed"],
      ["KEYS", "*"],
      ["EVAL", "return 1", 0],
    ]) {
      expect((await post(c, { token: READ })).status).toBe(403);
    }
    expect(await redis.get("stat:processed")).toBe("1");
  });

  it("admin: everything except blocking, connection-state and server commands (400)", async () => {
    expect((await post(["FLUSHDB"], { token: ADMIN })).status).toBe(200);
    for (const c of [
      ["BLPOP", "q", 0],
      ["BRPOP", "q", 0],
      ["BLMOVE", "a", "b", "LEFT", "RIGHT", 0],
      ["BZPOPMIN", "z", 0],
      ["WAIT", 0, 0],
      ["XREAD", "BLOCK", 0, "STREAMS", "s", "$"],
      ["SUBSCRIBE", "c"],
      ["MULTI"],
      ["EXEC"],
      ["SELECT", 1],
      ["AUTH", "x"],
      ["HELLO", 3],
      ["CLIENT", "KILL", "TYPE", "normal"],
      ["QUIT"],
      ["MONITOR"],
      ["CONFIG", "SET", "dir", "/tmp"],
      ["DEBUG", "SLEEP", 1],
      ["SHUTDOWN"],
      ["REPLICAOF", "example.com", 6379],
    ]) {
      const a = await post(c, { token: ADMIN });
      expect({ c, status: a.status }).toEqual({ c, status: 400 });
      expect(a.body.error).toMatch(/^ERR '.+' .*not supported over REST$/);
    }
  });

  it("explicit: listed commands on matching keys only, scripts only by listed SHA-1", async () => {
    expect((await post(["SET", "cache:a", "1"], { token: LIST })).status).toBe(200);
    expect((await post(["MSET", "cache:b", "1", "cache:c", "2"], { token: LIST })).status).toBe(
      200,
    );
    expect((await post(["MSET", "cache:b", "1", "other", "2"], { token: LIST })).status).toBe(403);
    expect((await post(["SET", "other", "1"], { token: LIST })).status).toBe(403);
    expect((await post(["DEL", "cache:a", "queues"], { token: LIST })).status).toBe(403);
    expect((await post(["INCR", "cache:a"], { token: LIST })).status).toBe(403);
    expect((await post(["EVALSHA", "b".repeat(40), 1, "cache:a"], { token: LIST })).status).toBe(
      403,
    );
    expect(await redis.exists("other")).toBe(0);
  });
});

describe("malformed and oversized bodies", () => {
  const bad: [string, string][] = [
    ["not JSON", "{nope"],
    ["an empty body", ""],
    ["a JSON object", '{"command":"GET"}'],
    ["an empty array", "[]"],
    ["a nested array as a single command", '[["GET","a"]]'],
    ["null arguments", '["GET",null]'],
    ["object arguments", '["SET","a",{"x":1}]'],
    ["a numeric command name", "[1,2]"],
    ["an empty command name", '[""]'],
  ];
  for (const [what, body] of bad) {
    it(`answers ${what} with 400 and a JSON error`, async () => {
      const a = await post(body, { token: ADMIN, raw: true });
      expect(a.status).toBe(400);
      expect(typeof a.body.error).toBe("string");
    });
  }

  it("answers a bad pipeline body with 400", async () => {
    for (const body of ["[]", '["GET","a"]', '[["GET","a"],"x"]', '[["GET","a"],[]]']) {
      const a = await post(body, { token: ADMIN, path: "/pipeline", raw: true });
      expect({ body, status: a.status }).toEqual({ body, status: 400 });
    }
  });

  it("answers invalid UTF-8 with 400", async () => {
    const res = await b.fetch(
      new Request("http://bridge.test/", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: new Uint8Array([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]),
      }),
    );
    expect(res.status).toBe(400);
  });

  it("answers a body over the limit with 413, by Content-Length and while streaming", async () => {
    const big = JSON.stringify(["SET", "a", "x".repeat(5000)]);
    expect(await post(big, { token: ADMIN, raw: true })).toEqual({
      status: 413,
      body: { error: "ERR max request size exceeded" },
    });
    // No Content-Length: a stream that keeps going is cut off at the limit.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1024;
        controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        if (sent > 1_000_000) controller.close();
      },
    });
    const res = await b.fetch(
      new Request("http://bridge.test/", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(20_000);
    expect(await redis.exists("a")).toBe(0);
  });

  it("404 for unknown paths, 405 for other methods", async () => {
    expect((await post(["PING"], { token: ADMIN, path: "/nope" })).status).toBe(404);
    const get = await b.fetch(new Request("http://bridge.test/", { method: "GET" }));
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ error: "ERR method not allowed" });
  });
});

describe("slow commands", () => {
  it("get a 504 after commandTimeoutMs, and the bridge keeps answering", async () => {
    const timed = bridge({
      redis,
      commandTimeoutMs: 100,
      // Raw scripting: the slow command is an arbitrary script.
      tokens: [{ name: "admin", token: ADMIN, scope: "admin", rawScripting: true }],
    });
    try {
      const send = (body: unknown) =>
        timed.fetch(
          new Request("http://bridge.test/", {
            method: "POST",
            headers: { authorization: `Bearer ${ADMIN}` },
            body: JSON.stringify(body),
          }),
        );
      // A script that keeps Redis busy for 400 ms (this file's private server only).
      const busy =
        "local t = redis.call('time') repeat local n = redis.call('time') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 400000 return 1";
      const slow = await send(["EVAL", busy, 0]);
      expect(slow.status).toBe(504);
      expect(await slow.json()).toEqual({ error: "ERR command timed out after 100 ms" });
      await new Promise((r) => setTimeout(r, 500));
      const ok = await send(["PING"]);
      expect(await ok.json()).toEqual({ result: "PONG" });
    } finally {
      await timed.close();
    }
  });
});

describe("fuzzing", () => {
  it("a thousand seeded random bodies leave the bridge up and Redis unchanged", async () => {
    // Some data for the random commands to aim at.
    await redis.sadd("queues", "default");
    await redis.lpush("queue:default", '{"class":"A","args":[],"jid":"x"}');
    await redis.set("secret", "s3cr3t");
    await redis.zadd("schedule", 1, "{}");
    const digest = await redis.call("DEBUG", "DIGEST");
    // Straight into the fetch handler (the HTTP glue is test code); the final PING goes over HTTP.
    const served = await serveFetch(b);
    const random = mulberry32(20261129);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const statuses = new Map<number, number>();
    try {
      for (let i = 0; i < 1000; i++) {
        const { path, token, body } = randomRequest(random, pick);
        const headers: Record<string, string> = {};
        if (token) headers.authorization = `Bearer ${token}`;
        if (random() < 0.5) headers["upstash-encoding"] = "base64";
        const res = await b.fetch(
          new Request(`http://bridge.test${path}`, {
            method: "POST",
            headers,
            body: body as BodyInit,
          }),
        );
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // Every answer is JSON; every refusal says why.
        const parsed = JSON.parse(text);
        if (res.status >= 400) expect(typeof parsed.error).toBe("string");
        expect([200, 400, 401, 403, 404, 413]).toContain(res.status);
      }
      // Still up, and nothing changed.
      const ping = await fetch(served.url, {
        method: "POST",
        headers: { authorization: `Bearer ${READ}` },
        body: '["PING"]',
      });
      expect(await ping.json()).toEqual({ result: "PONG" });
    } finally {
      await served.close();
    }
    expect(await redis.call("DEBUG", "DIGEST")).toBe(digest);
    // The fuzz reached every gate, not just the first one.
    for (const status of [400, 401, 403]) expect(statuses.get(status) ?? 0).toBeGreaterThan(10);
  });
});

/** Random requests that can never legitimately change data: no token, a wrong token, the read
 * token, or the enqueue token with commands outside what enqueueing needs. */
function randomRequest(
  random: () => number,
  pick: <T>(xs: readonly T[]) => T,
): { path: string; token?: string; body: string | Uint8Array } {
  const path = pick(["/", "/", "/pipeline", "/multi-exec", "/nope", "/pipeline/x"]);
  const token = pick([undefined, "wrong-token-00000000000000000", READ, ENQUEUE, ENQUEUE]);
  const kind = random();
  let body: string | Uint8Array;
  if (kind < 0.2) {
    body = new Uint8Array(Array.from({ length: Math.floor(random() * 64) }, () => random() * 256));
  } else if (kind < 0.4) {
    body = JSON.stringify(randomJson(random, pick, 3));
  } else {
    const command = () => {
      const name = pick([
        "GET",
        "SET",
        "DEL",
        "FLUSHALL",
        "FLUSHDB",
        "KEYS",
        "CONFIG",
        "EVAL",
        "EVALSHA",
        "LPUSH",
        "SADD",
        "ZADD",
        "RPOP",
        "LPOP",
        "HSET",
        "SELECT",
        "BLPOP",
        "MULTI",
        "SCRIPT",
        "RENAME",
        "lpush",
        "sadd",
        "zadd",
        "eval",
        "evalsha",
        "",
        "PING",
        "DEBUG",
        "UNLINK",
        "SWAPDB",
      ]);
      const args = Array.from({ length: Math.floor(random() * 5) }, () =>
        pick([
          "secret",
          "retry",
          "dead",
          "processes",
          "queues:x",
          "queue",
          "other:queue:x",
          "0",
          "1",
          "-1",
          "*",
          "return redis.call('flushall')",
          pushIdempotent.sha1,
          1.5,
          true,
          null,
          {},
        ]),
      );
      return [name, ...args];
    };
    const single = random() < 0.5;
    body = JSON.stringify(
      single ? command() : Array.from({ length: 1 + Math.floor(random() * 4) }, command),
    );
    if (random() < 0.1) body = body.slice(0, Math.floor(random() * body.length));
  }
  return { path, ...(token ? { token } : {}), body };
}

function randomJson(
  random: () => number,
  pick: <T>(xs: readonly T[]) => T,
  depth: number,
): unknown {
  const r = random();
  if (depth === 0 || r < 0.3) return pick([null, true, 0, -1.5, "x", "GET", "", 1e308]);
  if (r < 0.7)
    return Array.from({ length: Math.floor(random() * 4) }, () =>
      randomJson(random, pick, depth - 1),
    );
  return { [pick(["a", "result", "error"])]: randomJson(random, pick, depth - 1) };
}

/** A small seeded PRNG, so a failure replays exactly. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
