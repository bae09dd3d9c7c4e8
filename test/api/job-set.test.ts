// Scheduled, retry and dead sets on a real Redis: paging, finding, and every action addressing a
// job by its exact stored string (retry now keeps every other byte; races move a job once).
import { beforeEach, describe, expect, it } from "vitest";
import { DeadSet, RetrySet, ScheduledSet } from "../../src/api";
import { Client } from "../../src/core/client";
import { fromIoredis } from "../../src/redis/tcp";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const client = new Client({ redis });

beforeEach(() => t.flush());

// What Sidekiq 6.4 writes to `retry` after a failure (wire spec §2.1), with hostile args.
function retryPayload(jid: string, extra = ""): string {
  return `{"retry":2,"queue":"critical","backtrace":3,"tags":["alpha"],"args":[12345678901234567890,3.0,{"10":"a","2":"b"}],"class":"FailJob","jid":"${jid}","created_at":1795917170.339934,"enqueued_at":1795917170.3399453,"error_message":"boom 7","error_class":"ArgumentError","failed_at":1795917175.458855,"retry_count":1${extra}}`;
}
const jid = (n: number) => n.toString(16).padStart(24, "0");

describe("RetrySet", () => {
  it("retry now pushes the job to its queue with retry_count - 1 and a new enqueued_at, other bytes kept", async () => {
    const stored = retryPayload(jid(1));
    await t.redis.zadd("retry", "1795917193.4590688", stored);
    const set = new RetrySet({ redis });
    const entry = await set.findJob(jid(1));
    expect(entry?.key).toBe(`1795917193.4590688-${jid(1)}`);
    const before = Date.now() / 1000;
    expect(await entry!.retry()).toBe(true);
    expect(await set.size()).toBe(0);
    expect(await t.redis.smembers("queues")).toEqual(["critical"]);
    const [pushed] = await t.redis.lrange("queue:critical", 0, -1);
    const enqueued = JSON.parse(pushed!).enqueued_at as number;
    expect(enqueued).toBeGreaterThanOrEqual(before - 1);
    expect(pushed).toBe(
      stored
        .replace('"retry_count":1', '"retry_count":0')
        .replace('"enqueued_at":1795917170.3399453', `"enqueued_at":${String(enqueued)}`),
    );
  });

  it("a second retry of the same entry does nothing: the job is pushed once", async () => {
    await t.redis.zadd("retry", "100.5", retryPayload(jid(2)));
    const set = new RetrySet({ redis });
    const [a, b] = [await set.findJob(jid(2)), await set.findJob(jid(2))];
    const results = await Promise.all([a!.retry(), b!.retry()]);
    expect(results.sort()).toEqual([false, true]);
    expect(await t.redis.llen("queue:critical")).toBe(1);
  });

  it("pages by score, fetches by web key, scans by text", async () => {
    for (let i = 1; i <= 5; i++)
      await t.redis.zadd("retry", String(1000 + i), retryPayload(jid(i)));
    const set = new RetrySet({ redis });
    const page = await set.page(1, 2);
    expect(page.total).toBe(5);
    expect(page.items.map((e) => e.jid)).toEqual([jid(1), jid(2)]);
    const page3 = await set.page(3, 2);
    expect(page3.items.map((e) => e.score)).toEqual([1005]);
    expect((await set.fetchByKey(`1003-${jid(3)}`))?.jid).toBe(jid(3));
    expect(await set.fetchByKey(`1003-${jid(4)}`)).toBeUndefined();
    expect(await set.fetchByKey("garbage")).toBeUndefined();
    expect((await set.scan("boom 7")).length).toBe(5);
    expect(await set.scan("*")).toEqual([]); // glob characters are matched literally
    const all: string[] = [];
    for await (const e of set.entries()) all.push(e.jid);
    expect(all).toHaveLength(5);
  });

  it("kill moves the exact string to dead; delete removes it", async () => {
    const a = retryPayload(jid(1));
    const b = retryPayload(jid(2));
    await t.redis.zadd("retry", "10.5", a, "11.5", b);
    const set = new RetrySet({ redis });
    expect(await (await set.findJob(jid(1)))!.kill()).toBe(true);
    expect(await t.redis.zrange("dead", "0", "-1")).toEqual([a]);
    const deadScore = Number(await t.redis.zscore("dead", a));
    expect(Math.abs(deadScore - Date.now() / 1000)).toBeLessThan(5);
    expect(await (await set.findJob(jid(2)))!.delete()).toBe(true);
    expect(await set.size()).toBe(0);
  });

  it("retryAll and killAll move everything in batches", async () => {
    for (let i = 1; i <= 250; i++) await t.redis.zadd("retry", String(i), retryPayload(jid(i)));
    const set = new RetrySet({ redis });
    expect(await set.retryAll()).toBe(250);
    expect(await t.redis.llen("queue:critical")).toBe(250);
    for (let i = 1; i <= 120; i++) await t.redis.zadd("retry", String(i), retryPayload(jid(i)));
    expect(await set.killAll()).toBe(120);
    expect(await t.redis.zcard("dead")).toBe(120);
    expect(await set.size()).toBe(0);
  });

  it("reschedule moves the entry in time keeping its bytes", async () => {
    const a = retryPayload(jid(1));
    await t.redis.zadd("retry", "10.5", a);
    const [entry] = (await new RetrySet({ redis }).page()).items;
    expect(await entry!.reschedule(2000000000.25)).toBe(true);
    expect(await t.redis.zrange("retry", "0", "-1", "WITHSCORES")).toEqual([a, "2000000000.25"]);
  });

  it("decodes Sidekiq's error_backtrace (6.4 MIME base64 with newlines)", async () => {
    // Verbatim from a live 6.4.1 run (wire spec §2.1).
    const bt =
      "eJy1zVEOgjAQhOGrNH1RE2GDEhK5ijFK6wiVQnG3EL29SPQIvv6ZzHfUFLuB\\npE0YgoptQ95NoHswkrIps33penUZwLfA3UpvNY3CJE3FIB7Nq0Yniesjaq6i\\nCz1V3tMnkrgrWvdIijRPs/nV/AoNHCxEAi/CoVgIPGHHiPMs/4Up8oUxPthW\\nrXfKY4KXjZrjd7jSpzctTF+g\\n";
    await t.redis.zadd("retry", "10.5", retryPayload(jid(1), `,"error_backtrace":"${bt}"`));
    const entry = await new RetrySet({ redis }).findJob(jid(1));
    const lines = await entry!.errorBacktrace();
    expect(lines).toHaveLength(3);
    expect(lines![0]).toMatch(/\.rb:\d+:in /);
  });
});

describe("DeadSet", () => {
  it("pages newest death first and retries a dead job into its queue", async () => {
    await t.redis.zadd("dead", "100.5", retryPayload(jid(1)), "200.5", retryPayload(jid(2)));
    const set = new DeadSet({ redis });
    const page = await set.page(1, 10, { reverse: true });
    expect(page.items.map((e) => e.jid)).toEqual([jid(2), jid(1)]);
    expect(await page.items[0]!.retry()).toBe(true);
    expect(JSON.parse((await t.redis.lindex("queue:critical", 0))!).jid).toBe(jid(2));
    expect(await set.retryAll()).toBe(1);
    expect(await set.size()).toBe(0);
  });

  it("a payload that is not JSON can be seen and deleted; retrying it fails clearly", async () => {
    await t.redis.zadd("dead", "5.5", "not json {");
    const set = new DeadSet({ redis });
    const [entry] = (await set.page()).items;
    expect(entry!.parseError).toBeTruthy();
    expect(entry!.jid).toBe("");
    await expect(entry!.retry()).rejects.toThrow(/not JSON/);
    expect(await set.retryAll()).toBe(0);
    expect(await entry!.delete()).toBe(true);
  });

  it("kill() trims as Sidekiq does: by age and to max - 1 entries", async () => {
    const set = new DeadSet({ redis });
    const now = Date.now();
    await t.redis.zadd("dead", String(now / 1000 - 200 * 86400), "ancient");
    await set.kill("fresh", now);
    expect(await t.redis.zrange("dead", "0", "-1")).toEqual(["fresh"]);
  });

  it("clear empties the set", async () => {
    await t.redis.zadd("dead", "1.5", "x");
    await new DeadSet({ redis }).clear();
    expect(await t.redis.exists("dead")).toBe(0);
  });
});

describe("ScheduledSet", () => {
  it("sees our client's scheduled jobs; add to queue pushes them now with enqueued_at", async () => {
    const at = Date.now() / 1000 + 3600;
    const id = await client.push({ class: "Later", args: ["x"], at, queue: "low" });
    const set = new ScheduledSet({ redis });
    const entry = await set.findJob(id!);
    expect(entry?.score).toBeCloseTo(at, 3);
    expect(entry?.item.enqueued_at).toBeUndefined();
    const stored = entry!.value;
    expect(await entry!.addToQueue()).toBe(true);
    const pushed = (await t.redis.lindex("queue:low", 0))!;
    expect(pushed.startsWith(stored.slice(0, -1))).toBe(true); // same bytes, enqueued_at appended
    expect(JSON.parse(pushed).enqueued_at).toBeGreaterThan(Date.now() / 1000 - 5);
    expect(await t.redis.smembers("queues")).toEqual(["low"]);
  });

  it("keeps Sidekiq 8 millisecond timestamps in milliseconds", async () => {
    const ms = new Client({ redis, timestamps: "milliseconds" });
    const id = await ms.push({ class: "Later", args: [], at: Date.now() / 1000 + 60 });
    const entry = await new ScheduledSet({ redis }).findJob(id!);
    await entry!.addToQueue();
    const pushed = JSON.parse((await t.redis.lindex("queue:default", 0))!);
    expect(Number.isInteger(pushed.enqueued_at)).toBe(true);
    expect(pushed.enqueued_at).toBeGreaterThan(1e12);
  });
});
