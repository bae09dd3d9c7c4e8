// A `read` token is enough for edgekiq/api's reads: with a running worker, queued, scheduled,
// retrying and dead jobs in Redis, every read gives the same answer through the bridge (REST, read
// token) as over TCP. The read token still cannot change anything, and (#13 item 6) it reads
// Sidekiq's keys only: no other key, no key discovery (KEYS, SCAN, RANDOMKEY, DBSIZE), no INFO,
// unless a token is granted them explicitly.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { DeadSet, ProcessSet, Queue, RetrySet, ScheduledSet, Stats, WorkSet } from "../../src/api";
import { bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { fromIoredis } from "../../src/redis/tcp";
import type { RedisClient } from "../../src/redis/types";
import { silentLogger } from "../../src/worker/logger";
import { Worker } from "../../src/worker/worker";
import { useTestRedis } from "../helpers/redis";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const READ = "read-scope-token-0123456789abcdef";
const WIDE = "wide-read-token-0123456789abcdef";
const b = bridge({
  redis: t.redis,
  tokens: [
    { name: "dash", token: READ, scope: "read" },
    { name: "wide", token: WIDE, scope: { commands: ["@read", "info", "scan"], keys: ["*"] } },
  ],
});
const served = await serveFetch(b);
afterAll(async () => {
  await served.close();
  await b.close();
});

const tcp = fromIoredis(t.redis);
const rest = fromUpstash(
  new UpstashRedis({
    url: served.url,
    token: READ,
    automaticDeserialization: false,
    enableTelemetry: false,
  }),
);

describe("edgekiq/api over a read token", () => {
  it("reads the same as over TCP, and cannot write", async () => {
    await t.flush();
    const client = new Client({ redis: t.redis });
    const now = Date.now();
    await client.pushBulk({ class: "A", args: [[1], [2]], queue: "default" });
    await client.push({ class: "B", args: ["x"], queue: "low" });
    await client.push({ class: "C", args: [], at: now / 1000 + 600 });
    const failed = (jid: string) =>
      JSON.stringify({
        class: "D",
        args: [],
        queue: "default",
        jid,
        retry: true,
        retry_count: 1,
        error_class: "RuntimeError",
        error_message: "boom",
        failed_at: now / 1000 - 60,
      });
    await t.redis.zadd("retry", String(now / 1000 + 30), failed("r1"));
    await t.redis.zadd("dead", String(now / 1000 - 10), failed("d1"));

    // A running worker with one job in progress, so processes and work are populated.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const worker = new Worker({
      redis: t.redis,
      queues: ["busy"],
      concurrency: 1,
      logger: silentLogger,
      handleSignals: false,
      heartbeatInterval: 0.2,
      scheduler: false,
    });
    worker.register("Held", () => held);
    await worker.start();
    await client.push({ class: "Held", args: [], queue: "busy" });
    try {
      const deadline = Date.now() + 10_000;
      while ((await new WorkSet({ redis: tcp }).size()) === 0) {
        if (Date.now() > deadline) throw new Error("the worker never reported its job");
        await new Promise((r) => setTimeout(r, 20));
      }

      const read = async (redis: RedisClient) => {
        const queues = await Queue.all({ redis });
        const sets = [new ScheduledSet({ redis }), new RetrySet({ redis }), new DeadSet({ redis })];
        return {
          stats: await new Stats({ redis }).fetch(now),
          queueLengths: await new Stats({ redis }).queues(),
          history: await new Stats({ redis }).history(3, new Date(now)),
          queues: await Promise.all(
            queues.map(async (q) => ({
              name: q.name,
              size: await q.size(),
              jobs: (await q.page(1)).items.map((j) => j.value),
            })),
          ),
          sets: await Promise.all(
            sets.map(async (s) => ({
              size: await s.size(),
              jobs: (await s.page(1)).items.map((j) => [j.value, j.score]),
              found: (await s.scan("boom")).map((j) => j.value),
            })),
          ),
          // Without the fields each heartbeat rewrites (beat, rtt_us, rss: the worker detects
          // its runtime, so its RSS is real and moves between beats).
          processes: (await new ProcessSet({ redis }).list({ clean: false })).map(
            ({ data: { beat: _b, rtt_us: _r, rss: _m, ...rest } }) => rest,
          ),
          work: (await new WorkSet({ redis }).list()).map((w) => ({ ...w, job: w.job.value })),
        };
      };
      const viaTcp = await read(tcp);
      const viaRest = await read(rest);
      expect(viaRest).toEqual(viaTcp);
      // The data is really there (the comparison is not between two empty answers).
      expect(viaTcp.stats.enqueued).toBe(3);
      expect(viaTcp.sets.map((s) => s.size)).toEqual([1, 1, 1]);
      expect(viaTcp.processes).toHaveLength(1);
      expect(viaTcp.work).toHaveLength(1);

      // Reads only: the API's writes are refused.
      await expect(new Queue("default", { redis: rest }).clear()).rejects.toThrow(/NOPERM/);
      await expect(new DeadSet({ redis: rest }).clear()).rejects.toThrow(/NOPERM/);
      expect(await t.redis.llen("queue:default")).toBe(2);
    } finally {
      release();
      await worker.stop();
    }
  });
});

async function post(body: unknown, token = READ): Promise<{ status: number; body: any }> {
  const res = await fetch(served.url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe("the read scope by default", () => {
  it("reads Sidekiq's keys and live processes' hashes, nothing else", async () => {
    await t.flush();
    await t.redis.set("session:secret", "s3cr3t");
    await t.redis.hset("app:1:abc", "info", "not a process");
    await t.redis.set("stat:processed", "5");
    await t.redis.hset("j|20261129|1:54", "A|p", "1");
    await t.redis.hset("host:1:0123456789ab", "busy", "0");
    await t.redis.hset("host:1:0123456789ab:work", "t1", "{}");
    const allowed: unknown[][] = [
      ["GET", "stat:processed"],
      ["LRANGE", "queue:default", 0, -1],
      ["ZCARD", "retry"],
      ["HGETALL", "j|20261129|1:54"],
      ["BITFIELD_RO", "SleepJob-29-01:54", "GET", "u16", "#0"],
      ["SSCAN", "processes", 0],
      ["PING"],
    ];
    for (const command of allowed) {
      expect({ command, status: (await post(command)).status }).toEqual({ command, status: 200 });
    }
    const refused: unknown[][] = [
      ["GET", "session:secret"],
      ["MGET", "stat:processed", "session:secret"],
      ["HGETALL", "app:1:abc"],
      ["HGETALL", "host:1:0123456789ab"], // not (yet) in `processes`
      ["RANDOMKEY"],
      ["INFO"],
      ["DBSIZE"],
      ["SCAN", 0],
      ["KEYS", "*"],
      ["LASTSAVE"],
      ["EVAL_RO", "return 1", 0],
    ];
    for (const command of refused) {
      const a = await post(command);
      expect({ command, status: a.status }).toEqual({ command, status: 403 });
      expect(a.body.error).toMatch(/^NOPERM /);
      expect(JSON.stringify(a.body)).not.toContain("s3cr3t");
    }
    // Once the process is listed in `processes`, its hashes are Sidekiq's.
    await t.redis.sadd("processes", "host:1:0123456789ab");
    for (const key of ["host:1:0123456789ab", "host:1:0123456789ab:work"]) {
      expect((await post(["HGETALL", key])).status).toBe(200);
    }
    const pipeline = await fetch(`${served.url}/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${READ}` },
      body: JSON.stringify([
        ["HGET", "host:1:0123456789ab", "busy"],
        ["GET", "session:secret"],
      ]),
    });
    expect(pipeline.status).toBe(403);
  });

  it("an explicit grant reads more: every read command on any key, INFO, SCAN", async () => {
    await t.redis.set("session:secret", "s3cr3t");
    expect((await post(["GET", "session:secret"], WIDE)).body).toEqual({ result: "s3cr3t" });
    expect((await post(["INFO", "server"], WIDE)).status).toBe(200);
    expect((await post(["SCAN", 0], WIDE)).status).toBe(200);
    expect((await post(["RANDOMKEY"], WIDE)).status).toBe(403); // not listed
    expect((await post(["SET", "session:secret", "x"], WIDE)).status).toBe(403);
  });
});
