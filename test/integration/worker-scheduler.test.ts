// The scheduler on a real Redis: due jobs of `retry` then `schedule` move to their queues in one
// atomic Lua call per batch, with enqueued_at edited inside the string, and never twice.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { Keys } from "../../src/core/keys";
import { fromIoredis } from "../../src/redis/tcp";
import { enqueueDueJobs } from "../../src/worker/scheduled";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const redis = fromIoredis(t.redis);
const keys = new Keys();

describe("scheduler", () => {
  it("moves due jobs to their queues with a fresh enqueued_at, keeping every other byte", async () => {
    await t.flush();
    const now = Date.now() / 1000;
    const noEnq =
      '{"retry":true,"queue":"mail","class":"A","args":[12345678901234567890,3.0],"jid":"a1","created_at":1795917170.0}';
    const withEnq =
      '{"retry":true,"queue":"default","args":[{"job_class":"X","enqueued_at":"2026-11-29T01:54:16Z","n":{"enqueued_at":5}}],"class":"B","jid":"b1","created_at":1.5,"enqueued_at":1795917170.3388467,"error_message":"x","retry_count":0}';
    const future = '{"queue":"default","class":"C","args":[],"jid":"c1"}';
    await t.redis.zadd("schedule", now - 5, noEnq, now + 3600, future);
    await t.redis.zadd("retry", now - 1, withEnq);
    const before = Date.now() / 1000;
    expect(await enqueueDueJobs(redis, keys, "seconds")).toBe(2);
    const [mail] = await t.redis.lrange("queue:mail", 0, -1);
    const [dflt] = await t.redis.lrange("queue:default", 0, -1);
    // appended enqueued_at; all other bytes identical
    expect(mail!.startsWith(noEnq.slice(0, -1))).toBe(true);
    const m = JSON.parse(mail!);
    expect(m.enqueued_at).toBeGreaterThanOrEqual(before - 0.01);
    expect(mail).toMatch(/,"enqueued_at":\d+\.\d+\}$/);
    // replaced only the top-level enqueued_at; the nested ones in args stay
    expect(dflt).toContain('"enqueued_at":"2026-11-29T01:54:16Z","n":{"enqueued_at":5}');
    expect(JSON.parse(dflt!).enqueued_at).toBeGreaterThanOrEqual(before - 0.01);
    expect(dflt!.replace(/"enqueued_at":\d+\.\d+,"error_message"/, "")).toBe(
      withEnq.replace(/"enqueued_at":1795917170\.3388467,"error_message"/, ""),
    );
    expect(await t.redis.smembers("queues")).toEqual(expect.arrayContaining(["mail", "default"]));
    expect(await t.redis.zrange("schedule", "0", "-1")).toEqual([future]);
    expect(await t.redis.zcard("retry")).toBe(0);
  });

  it("writes integer milliseconds in milliseconds mode", async () => {
    await t.flush();
    await t.redis.zadd("schedule", 1, '{"queue":"default","class":"A","args":[],"jid":"a"}');
    await enqueueDueJobs(redis, keys, "milliseconds");
    const [job] = await t.redis.lrange("queue:default", 0, -1);
    expect(job).toMatch(/"enqueued_at":\d{13}\}$/);
  });

  it("moves more than one batch and never moves a job twice under concurrent pollers", async () => {
    await t.flush();
    const args: (string | number)[] = [];
    for (let i = 0; i < 1000; i++)
      args.push(1 + i, `{"queue":"default","class":"A","args":[${i}],"jid":"j${i}"}`);
    await t.redis.zadd("schedule", ...args);
    const pollers = Array.from({ length: 4 }, () => fromIoredis(t.connect()));
    const moved = await Promise.all(pollers.map((p) => enqueueDueJobs(p, keys, "seconds")));
    expect(moved.reduce((a, b) => a + b, 0)).toBe(1000);
    const jobs = await t.redis.lrange("queue:default", 0, -1);
    expect(new Set(jobs.map((j) => JSON.parse(j).jid)).size).toBe(1000);
    expect(jobs).toHaveLength(1000);
  });

  it("a member that is not a job goes to dead instead of blocking the set", async () => {
    await t.flush();
    await t.redis.zadd("schedule", 1, "garbage", 2, '{"class":"NoQueue","args":[]}');
    expect(await enqueueDueJobs(redis, keys, "seconds")).toBe(2);
    expect((await t.redis.zrange("dead", "0", "-1")).sort()).toEqual([
      "garbage",
      '{"class":"NoQueue","args":[]}',
    ]);
  });

  it("a running worker polls: perform_in jobs run when due, and failed jobs come back from retry", async () => {
    await t.flush();
    let attempts = 0;
    const ran: string[] = [];
    const worker = testWorker(t.redis);
    worker.register("LaterJob", (a) => void ran.push(a[0] as string));
    worker.register("FlakyJob", () => {
      attempts++;
      if (attempts === 1) throw new Error("first time fails");
    });
    await worker.start();
    await client.performIn(0.3, "LaterJob", "soon");
    await client.push({ class: "FlakyJob", args: [] });
    // The default delay is 15+ s: make the retry due now by hand, as the Web UI's "retry now".
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [member] = await t.redis.zrange("retry", "0", "0");
    await t.redis.zadd("retry", Date.now() / 1000, member!);
    await waitFor(() => ran.length === 1 && attempts === 2, { what: "scheduled + retried" });
    expect(ran).toEqual(["soon"]);
    await waitFor(
      async () => (await t.redis.zcard("retry")) + (await t.redis.zcard("schedule")) === 0,
    );
  });
});
