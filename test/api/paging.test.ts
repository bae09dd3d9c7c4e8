// The windowed API calls behind the dashboard's lists, over TCP and over REST (@upstash/redis
// through the bridge): Queue.scan, ProcessSet#scan with WorkSet#listFor, Stats#summary and
// Stats#queueLengths. Each window is bounded, the windows together cover every member, and a
// small set comes back whole and sorted in one window.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ArgumentError, ProcessSet, Queue, Stats, WorkSet } from "../../src/api";
import { scanSetWindow, toContext } from "../../src/api/context";
import { bridge } from "../../src/bridge";
import { fromUpstash } from "../../src/redis/rest";
import { fromIoredis } from "../../src/redis/tcp";
import type { RedisClient } from "../../src/redis/types";
import { serveFetch } from "../bridge/serve";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const TOKEN = "api-paging-admin-token-0123456789";
const b = bridge({ redis: t.redis, tokens: [{ name: "admin", token: TOKEN, scope: "admin" }] });
const served = await serveFetch(b);
afterAll(async () => {
  await served.close();
  await b.close();
});
const transports: [string, RedisClient][] = [
  ["tcp", fromIoredis(t.redis)],
  [
    "rest",
    fromUpstash(
      new UpstashRedis({
        url: served.url,
        token: TOKEN,
        automaticDeserialization: false,
        enableTelemetry: false,
      }),
    ),
  ],
];

beforeEach(() => t.flush());

describe.each(transports)("windows over %s", (_, redis) => {
  it("Queue.scan: windows of about `count` that together hold every queue", async () => {
    const names = Array.from({ length: 1500 }, (_, i) => `q${i}`);
    await t.redis.sadd("queues", ...names);
    await t.redis.lpush("queue:q7", '{"class":"A","args":[],"enqueued_at":1}', "{}");
    const seen = new Set<string>();
    let cursor: string | undefined = "0";
    let windows = 0;
    do {
      const scan = await Queue.scan({ redis }, { cursor, count: 200 });
      expect(scan.total).toBe(1500);
      expect(scan.queues.length).toBeLessThan(400);
      const window = scan.queues.map((q) => q.queue.name);
      expect(window).toEqual([...window].sort());
      for (const q of scan.queues) {
        seen.add(q.queue.name);
        if (q.queue.name === "q7") {
          expect(q.size).toBe(2);
          expect(q.latency).toBeGreaterThan(1e9);
        }
      }
      cursor = scan.next;
      windows++;
    } while (cursor !== undefined);
    expect(seen.size).toBe(1500);
    expect(windows).toBeGreaterThanOrEqual(4);
  });

  it("Queue.scan: a small set in one sorted window; the filter is a literal substring", async () => {
    await t.redis.sadd("queues", "mailers", "critical", "a*b", "default", "bulk-mail");
    const all = await Queue.scan({ redis });
    expect(all.next).toBeUndefined();
    expect(all.queues.map((q) => q.queue.name)).toEqual([
      "a*b",
      "bulk-mail",
      "critical",
      "default",
      "mailers",
    ]);
    const mail = await Queue.scan({ redis }, { filter: "mail" });
    expect(mail.queues.map((q) => q.queue.name)).toEqual(["bulk-mail", "mailers"]);
    const star = await Queue.scan({ redis }, { filter: "*" });
    expect(star.queues.map((q) => q.queue.name)).toEqual(["a*b"]);
    await expect(Queue.scan({ redis }, { cursor: "1 OR 2" })).rejects.toThrow(ArgumentError);
  });

  it("scanSetWindow stops a sparse MATCH after maxCalls, with a cursor to go on", async () => {
    await t.redis.sadd("queues", ...Array.from({ length: 5000 }, (_, i) => `q${i}`));
    const ctx = toContext({ redis });
    const window = await scanSetWindow(ctx, "queues", {
      count: 10,
      match: "nomatch*",
      maxCalls: 2,
    });
    expect(window.members).toEqual([]);
    expect(window.next).toMatch(/^\d+$/);
  });

  it("ProcessSet#scan and WorkSet#listFor: a window of processes and their running jobs", async () => {
    const beat = String(Date.now() / 1000);
    for (let i = 0; i < 130; i++) {
      const id = `h${i}:1:x`;
      await t.redis.sadd("processes", id);
      await t.redis.hset(id, { info: `{"hostname":"h${i}","concurrency":2}`, busy: "1", beat });
      await t.redis.hset(
        `${id}:work`,
        "t1",
        JSON.stringify({ queue: "default", payload: `{"class":"J${i}"}`, run_at: 1 }),
      );
    }
    await t.redis.sadd("processes", "gone:1:x"); // expired heartbeat: skipped
    const set = new ProcessSet({ redis });
    const seen = new Set<string>();
    let cursor: string | undefined = "0";
    do {
      const scan = await set.scan({ cursor, count: 50, clean: false });
      expect(scan.total).toBe(131);
      expect(scan.processes.length).toBeLessThan(100);
      const work = await new WorkSet({ redis }).listFor(scan.processes.map((p) => p.identity));
      expect(work.map((w) => w.process).sort()).toEqual(
        scan.processes.map((p) => p.identity).sort(),
      );
      for (const p of scan.processes) seen.add(p.identity);
      cursor = scan.next;
    } while (cursor !== undefined);
    expect(seen.size).toBe(130);
    expect(seen.has("gone:1:x")).toBe(false);
  });

  it("Stats#summary: fetch()'s counters, with sums over at most 1,000 queues", async () => {
    await t.redis.sadd("queues", "a", "b");
    await t.redis.lpush("queue:a", "{}", "{}");
    await t.redis.lpush("queue:b", "{}");
    await t.redis.set("stat:processed", "7");
    const stats = new Stats({ redis });
    const summary = await stats.summary();
    const { queues: _, ...full } = await stats.fetch();
    expect(summary).toEqual({ ...full, queueCount: 2, queuesCounted: 2, processesCounted: 0 });

    await t.redis.sadd("queues", ...Array.from({ length: 3000 }, (_, i) => `more${i}`));
    const big = await stats.summary();
    expect(big.queueCount).toBe(3002);
    expect(big.queuesCounted).toBeGreaterThanOrEqual(1000);
    expect(big.queuesCounted).toBeLessThan(1500);
    expect(big.enqueued).toBeLessThanOrEqual(3);
  });

  it("Stats#queueLengths: a window of lengths, longest first, with the next cursor", async () => {
    await t.redis.sadd("queues", "a", "b", "c");
    await t.redis.lpush("queue:b", "{}", "{}");
    await t.redis.lpush("queue:c", "{}");
    expect(await new Stats({ redis }).queueLengths()).toEqual({
      lengths: [
        ["b", 2],
        ["c", 1],
        ["a", 0],
      ],
      next: undefined,
    });
  });
});
