// The client writes exactly what Sidekiq's client writes: key names, JSON fields and types,
// fractional timestamps, schedule scores, and how many round trips a push costs.
import * as v from "valibot";
import { beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { JobArgumentError, JobValidationError } from "../../src/core/errors";
import { fromIoredis } from "../../src/redis/tcp";
import { countingRedis } from "../helpers/counting-redis";
import { useTestRedis } from "../helpers/redis";

/** The key order of a plain push (Sidekiq's readers do not care; byte-level checks do). */
const PUSH_KEYS = ["retry", "queue", "class", "args", "jid", "created_at", "enqueued_at"];

const t = await useTestRedis();
const door = () => countingRedis(fromIoredis(t.redis));

beforeEach(() => t.flush());

async function onlyJob(queue = "default"): Promise<{ raw: string; job: Record<string, unknown> }> {
  const items = await t.redis.lrange(`queue:${queue}`, 0, -1);
  expect(items).toHaveLength(1);
  return { raw: items[0]!, job: JSON.parse(items[0]!) };
}

describe("immediate push", () => {
  it("writes Sidekiq's payload with SADD queues + LPUSH queue:<q> in one MULTI round trip", async () => {
    const redis = door();
    const client = new Client({ redis });
    const before = Date.now() / 1000;
    const jid = await client.push({ class: "HardJob", args: [1, "two"] });
    const after = Date.now() / 1000;

    expect(redis.trips).toHaveLength(1);
    expect(redis.trips[0]!.kind).toBe("multi");
    expect(redis.trips[0]!.commands.map((c) => c.slice(0, 2))).toEqual([
      ["sadd", "queues"],
      ["lpush", "queue:default"],
    ]);
    expect(await t.redis.smembers("queues")).toEqual(["default"]);
    const { raw, job } = await onlyJob();
    expect(Object.keys(job)).toEqual(PUSH_KEYS);
    expect(job).toMatchObject({
      retry: true,
      queue: "default",
      class: "HardJob",
      args: [1, "two"],
      jid,
    });
    expect(jid).toMatch(/^[0-9a-f]{24}$/);
    for (const field of ["created_at", "enqueued_at"]) {
      expect(job[field]).toBeGreaterThanOrEqual(before - 0.001);
      expect(job[field]).toBeLessThanOrEqual(after + 0.001);
      // Always a float in the JSON text, so an 8.x reader never takes it for milliseconds.
      expect(raw).toMatch(new RegExp(`"${field}":\\d{10}\\.\\d+[,}]`));
    }
  });

  it("over TCP sends one push as a single script call that writes the same data", async () => {
    const redis = countingRedis(fromIoredis(t.redis), true);
    const client = new Client({ redis });
    const jid = await client.push({ class: "HardJob", args: [1, "two"], queue: "fast" });
    expect(redis.trips.map((trip) => trip.kind)).toEqual(["evalScript"]);
    expect(await t.redis.smembers("queues")).toEqual(["fast"]);
    const { raw, job } = await onlyJob("fast");
    expect(Object.keys(job)).toEqual(PUSH_KEYS);
    expect(job).toMatchObject({ class: "HardJob", args: [1, "two"], jid, queue: "fast" });
    expect(raw).toMatch(/"enqueued_at":\d{10}\.\d+}$/);
    // Bulk and scheduled pushes stay one MULTI.
    await client.pushBulk({ class: "HardJob", args: [[1], [2]] });
    await client.performIn(60, "Later");
    expect(redis.trips.map((trip) => trip.kind)).toEqual(["evalScript", "multi", "multi"]);
  });

  it("performAsync writes Ruby's key order: retry, queue, options, args, class, jid, created_at, enqueued_at", async () => {
    const Hard = defineJob({
      name: "HardJob",
      queue: "critical",
      retry: 3,
      backtrace: 5,
      tags: ["alpha"],
    });
    const client = new Client({ redis: t.redis });
    await client.performAsync(Hard, 1, 2);
    const { job } = await onlyJob("critical");
    expect(Object.keys(job)).toEqual([
      "retry",
      "queue",
      "backtrace",
      "tags",
      "args",
      "class",
      "jid",
      "created_at",
      "enqueued_at",
    ]);
    expect(job).toMatchObject({
      retry: 3,
      queue: "critical",
      backtrace: 5,
      tags: ["alpha"],
      args: [1, 2],
    });
  });

  it("applies per-call overrides: queue, retry, jid, tags and extra Sidekiq keys", async () => {
    const client = new Client({ redis: t.redis });
    const jid = await client.push({
      class: "A",
      args: [],
      queue: "low",
      retry: false,
      jid: "0123456789abcdef01234567",
      tags: ["x"],
      retry_queue: "slow",
      custom_key: { a: 1 },
    });
    expect(jid).toBe("0123456789abcdef01234567");
    const { job } = await onlyJob("low");
    expect(job).toMatchObject({
      queue: "low",
      retry: false,
      jid,
      tags: ["x"],
      retry_queue: "slow",
      custom_key: { a: 1 },
    });
  });

  it("writes integer milliseconds in Sidekiq 8 mode", async () => {
    const client = new Client({ redis: t.redis, timestamps: "milliseconds" });
    const before = Date.now();
    await client.push({ class: "A", args: [] });
    const { raw, job } = await onlyJob();
    expect(raw).toMatch(/"created_at":\d{13},"enqueued_at":\d{13}}$/);
    expect(job.created_at as number).toBeGreaterThanOrEqual(before);
  });

  it("prefixes every key with a Sidekiq 6 namespace", async () => {
    const client = new Client({ redis: t.redis, namespace: "myapp" });
    await client.push({ class: "A", args: [] });
    await client.performIn(60, "B");
    expect((await t.redis.keys("*")).sort()).toEqual([
      "myapp:queue:default",
      "myapp:queues",
      "myapp:schedule",
    ]);
  });
});

describe("scheduled push", () => {
  it("ZADDs schedule with a float-second score and no at/enqueued_at in the member", async () => {
    const client = new Client({ redis: t.redis });
    const at = Math.floor(Date.now() / 1000) + 300; // a whole second
    const jid = await client.push({ class: "Later", args: [1], at, enqueued_at: 1 });
    const members = await t.redis.zrange("schedule", "0", "-1", "WITHSCORES");
    expect(members).toHaveLength(2);
    const [member, score] = members as [string, string];
    expect(Number(score)).toBe(at);
    const job = JSON.parse(member);
    expect(job.jid).toBe(jid);
    expect("at" in job).toBe(false);
    expect("enqueued_at" in job).toBe(false);
    expect(member).toMatch(/"created_at":\d{10}\.\d+}$/);
    expect(await t.redis.exists("queue:default", "queues")).toBe(0);
  });

  it("performIn and performAt schedule relative and absolute times", async () => {
    const client = new Client({ redis: t.redis });
    const now = Date.now() / 1000;
    await client.performIn(120, "In", "x");
    await client.performAt(new Date((now + 3600) * 1000), "At", "y");
    const scores = (await t.redis.zrange("schedule", "0", "-1", "WITHSCORES"))
      .filter((_, i) => i % 2 === 1)
      .map(Number);
    expect(scores[0]).toBeGreaterThanOrEqual(now + 119);
    expect(scores[0]).toBeLessThanOrEqual(now + 122);
    expect(scores[1]).toBeCloseTo(now + 3600, 0);
  });

  it("pushes a time at or before now immediately", async () => {
    const client = new Client({ redis: t.redis });
    await client.performIn(0, "Now");
    await client.performAt(new Date(Date.now() - 5000), "Past");
    expect(await t.redis.zcard("schedule")).toBe(0);
    expect(await t.redis.llen("queue:default")).toBe(2);
  });
});

describe("bulk push", () => {
  it("pushes 2,500 jobs in 3 round trips, one LPUSH per queue per batch, jids aligned", async () => {
    const redis = door();
    const client = new Client({ redis });
    const args = Array.from({ length: 2500 }, (_, i) => [i]);
    const jids = await client.pushBulk({ class: "Bulk", args });
    expect(redis.trips.map((t) => t.kind)).toEqual(["multi", "multi", "multi"]);
    expect(redis.trips.map((t) => t.commands[1]!.length - 2)).toEqual([1000, 1000, 500]);
    expect(jids).toHaveLength(2500);
    expect(new Set(jids).size).toBe(2500);
    expect(await t.redis.llen("queue:default")).toBe(2500);
    // FIFO: the first job is the next to be popped (from the right), as with Sidekiq.
    const first = JSON.parse((await t.redis.lindex("queue:default", -1))!);
    expect(first.args).toEqual([0]);
    expect(first.jid).toBe(jids[0]);
    // One created_at shared by the call, as Sidekiq does.
    const all = (await t.redis.lrange("queue:default", 0, -1)).map((s) => JSON.parse(s));
    expect(new Set(all.map((j) => j.created_at)).size).toBe(1);
  });

  it("accepts one at for all or one per job (past times go straight to the queue)", async () => {
    const client = new Client({ redis: t.redis });
    const now = Date.now() / 1000;
    await client.performBulk("B", [[1], [2]], { at: now + 60 });
    expect(await t.redis.zcard("schedule")).toBe(2);
    await client.pushBulk({
      class: "C",
      args: [[1], [2], [3]],
      at: [now - 10, now + 100, now + 200],
    });
    expect(await t.redis.zcard("schedule")).toBe(4);
    expect(await t.redis.llen("queue:default")).toBe(1);
    await expect(client.pushBulk({ class: "C", args: [[1]], at: [1, 2] })).rejects.toThrow(
      /one per job/,
    );
  });
});

describe("middleware", () => {
  it("can change a payload or stop a push", async () => {
    const client = new Client({
      redis: t.redis,
      middleware: [
        async (job, ctx, next) => {
          expect(ctx.queue).toBe("default");
          if (job.args[0] === "stop") return;
          job.trace_id = "abc";
          await next();
        },
      ],
    });
    expect(await client.push({ class: "A", args: ["stop"] })).toBeNull();
    expect(await client.push({ class: "A", args: ["go"] })).toMatch(/^[0-9a-f]{24}$/);
    const { job } = await onlyJob();
    expect(job.trace_id).toBe("abc");
    const jids = await client.pushBulk({ class: "A", args: [["go"], ["stop"], ["go"]] });
    expect(jids[1]).toBeNull();
    expect(jids.filter(Boolean)).toHaveLength(2);
  });
});

describe("validation", () => {
  it("refuses non-JSON args before anything is sent, naming class and path", async () => {
    const redis = door();
    const client = new Client({ redis });
    const err = await client
      .push({ class: "HardJob", args: [1, { when: new Date() }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(JobArgumentError);
    expect(err.message).toContain('Job "HardJob": args[1].when is a Date');
    expect(redis.trips).toHaveLength(0);
  });

  it("validates typed jobs against their schema and lists every issue", async () => {
    const Signup = defineJob({
      name: "Signup",
      args: v.tuple([v.pipe(v.string(), v.email()), v.number()]),
    });
    const redis = door();
    const client = new Client({ redis });
    // @ts-expect-error: the schema types the arguments
    const err = await client.performAsync(Signup, "nope", "1").catch((e) => e);
    expect(err).toBeInstanceOf(JobValidationError);
    expect(err.issues.map((i: { path: string }) => i.path)).toEqual(["args[0]", "args[1]"]);
    expect(redis.trips).toHaveLength(0);
    expect(await client.performAsync(Signup, "a@b.co", 1)).toMatch(/^[0-9a-f]{24}$/);
  });

  it("refuses bad options with a clear message", async () => {
    const client = new Client({ redis: t.redis });
    await expect(client.push({ class: "A", args: [], queue: "" })).rejects.toThrow(
      /queue must be a non-empty string/,
    );
    await expect(client.push({ class: "A", args: [], retry: "yes" as never })).rejects.toThrow(
      /retry must be/,
    );
    await expect(client.push({ class: "", args: [] })).rejects.toThrow(/class/);
    // Plain JavaScript callers: the type already refuses this.
    expect(() => new Client({ redis: {} as never })).toThrow(/ioredis instance/);
  });
});
