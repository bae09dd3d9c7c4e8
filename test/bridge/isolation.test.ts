// The database the bridge's connection is bound to is the isolation between tenants (#13 item 3):
// an admin token reached other databases through EVAL (`redis.call('select', 0)` then a read),
// and could SWAPDB, MOVE or MIGRATE. On a private redis-server with the bridge on database 1:
// scripts run for admin tokens only when they are edgekiq's own (by SHA-1 or exact text) unless
// the token has `rawScripting`; commands that reach other databases are refused for every token.
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DeadSet, RetrySet } from "../../src/api";
import { type Bridge, bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { moveToDead, pushIdempotent } from "../../src/redis/scripts/index.gen";
import { startRedisServer } from "../helpers/redis-server";
import { serveFetch } from "./serve";

const ADMIN = "isolation-admin-token-0123456789";
const RAW = "isolation-raw-token-0123456789ab";
const server = await startRedisServer();
const db0 = new Redis(`${server.url}/0`);
const db1 = new Redis(`${server.url}/1`);
const b: Bridge = bridge({
  redis: db1,
  tokens: [
    { name: "admin", token: ADMIN, scope: "admin" },
    { name: "raw", token: RAW, scope: "admin", rawScripting: true },
  ],
});
afterAll(async () => {
  await b.close();
  db0.disconnect();
  db1.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await db0.flushall();
  await db0.set("secret", "tenant-zero-secret");
});

async function post(body: unknown, token = ADMIN, path = "/") {
  const res = await b.fetch(
    new Request(`http://bridge.test${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: string } };
}

const LEAK = "redis.call('select', 0) return redis.call('get', 'secret')";

describe("scripts and an admin token", () => {
  it("a script that selects another database is refused, in every form and endpoint", async () => {
    const sha = (await db0.script("LOAD", LEAK)) as string;
    const attempts: unknown[][] = [
      ["EVAL", LEAK, 0],
      ["EVAL_RO", LEAK, 0],
      ["EVALSHA", sha, 0],
      ["EVALSHA_RO", sha, 0],
      ["SCRIPT", "LOAD", LEAK],
      ["SCRIPT", "FLUSH"],
      [
        "FUNCTION",
        "LOAD",
        "#!lua name=leak\nredis.register_function('leak', function() return 1 end)",
      ],
      ["FUNCTION", "FLUSH"],
      ["FCALL", "leak", 0],
    ];
    for (const command of attempts) {
      const a = await post(command);
      expect({ command, status: a.status }).toEqual({ command, status: 403 });
      expect(a.body.error).toMatch(/^NOPERM .*rawScripting/);
      expect(JSON.stringify(a.body)).not.toContain("tenant-zero");
    }
    for (const path of ["/pipeline", "/multi-exec"]) {
      const a = await post([["PING"], ["EVAL", LEAK, 0]], ADMIN, path);
      expect(a.status).toBe(403);
    }
    expect((await post(["SCRIPT", "EXISTS", sha])).body).toEqual({ result: [1] });
  });

  it("edgekiq's own scripts still run: the push script by text, the API's by SHA-1 and over REST", async () => {
    const byText = await post([
      "EVAL",
      pushIdempotent.lua,
      4,
      "queues",
      "schedule",
      "edgekiq:pushed:j1",
      "queue:default",
      60,
      "default",
      "",
      '{"class":"A","queue":"default","jid":"j1"}',
    ]);
    expect(byText).toEqual({ status: 200, body: { result: 1 } });
    expect(await db1.llen("queue:default")).toBe(1);

    // The dashboard's actions over REST: EVALSHA, NOSCRIPT, then EVAL of the same text.
    const served = await serveFetch(b);
    try {
      const rest = fromUpstash(
        new UpstashRedis({ url: served.url, token: ADMIN, enableTelemetry: false }),
      );
      await db1.script("FLUSH");
      const job = (jid: string) =>
        JSON.stringify({ class: "B", args: [], queue: "low", jid, retry: true, retry_count: 1 });
      await db1.zadd("retry", 1, job("r1"), 2, job("r2"));
      expect(await new RetrySet({ redis: rest }).killAll()).toBe(2);
      expect(await db1.zcard("dead")).toBe(2);
      expect(await new DeadSet({ redis: rest }).retryAll()).toBe(2);
      expect(await db1.llen("queue:low")).toBe(2);
      expect((await post(["EVALSHA", moveToDead.sha1, 2, "retry", "dead", 0, 0, 1])).status).toBe(
        200,
      );
      const client = new Client({ redis: rest, idempotent: true });
      await client.push({ class: "C", args: [], queue: "low" });
      expect(await db1.llen("queue:low")).toBe(3);
    } finally {
      await served.close();
    }
  });

  it('a token with "rawScripting": true may run any script, and so reaches every database', async () => {
    expect(await post(["EVAL", LEAK, 0], RAW)).toEqual({
      status: 200,
      body: { result: "tenant-zero-secret" },
    });
  });
});

describe("commands that reach other databases", () => {
  it("are refused for every token, admin and raw included, and nothing moves", async () => {
    await db1.set("mine", "1");
    const commands: unknown[][] = [
      ["SELECT", 0],
      ["SWAPDB", 0, 1],
      ["MOVE", "mine", 0],
      ["MIGRATE", "127.0.0.1", server.port, "mine", 0, 1000],
      ["COPY", "mine", "theirs", "DB", 0],
      ["FLUSHALL"],
    ];
    for (const token of [ADMIN, RAW]) {
      for (const command of commands) {
        const a = await post(command, token);
        expect({ command, status: a.status }).toEqual({ command, status: 400 });
        expect(a.body.error).toMatch(/^ERR '.+' .*not supported over REST$/);
      }
    }
    expect(await db0.get("secret")).toBe("tenant-zero-secret");
    expect(await db0.exists("mine", "theirs")).toBe(0);
    expect(await db1.get("mine")).toBe("1");
    // FLUSHDB stays: it empties the token's own database only.
    expect((await post(["FLUSHDB"])).status).toBe(200);
    expect(await db1.dbsize()).toBe(0);
    expect(await db0.get("secret")).toBe("tenant-zero-secret");
  });
});
