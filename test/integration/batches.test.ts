// Batches, flows and job results on a real Redis with an in-process worker: callbacks fire once
// and in order, counts match, child batches hold their parent, flows hand results to the parent,
// waitFor resolves or rejects with the job's own error, and plain jobs write nothing extra.
import { beforeEach, describe, expect, it } from "vitest";
import { Batch } from "../../src/core/batch/batch";
import { flow } from "../../src/core/batch/flow";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { getResult, JobFailedError, WaitTimeoutError, waitFor } from "../../src/core/results";
import { batchStep } from "../../src/redis/scripts/index.gen";
import { fromIoredis } from "../../src/redis/tcp";
import type { Worker } from "../../src/worker/worker";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor as until } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
beforeEach(() => t.flush());

/** Callback jobs count their firings per bid and event; `order` lists them as they ran. */
function registerCallbacks(w: Worker): void {
  w.register("Callback", async (_args, ctx) => {
    const p = ctx.payload as Record<string, unknown>;
    await t.redis.hincrby("fired", `${p.callback_bid}:${p.callback_event}`, 1);
    await t.redis.rpush("order", `${p.callback_bid}:${p.callback_event}`);
  });
}
const callbacks = {
  success: { class: "Callback", args: [] },
  complete: { class: "Callback", args: [] },
  death: { class: "Callback", args: [] },
};
const fired = async (bid: string, event: string) =>
  Number((await t.redis.hget("fired", `${bid}:${event}`)) ?? 0);

describe("job results", () => {
  const Square = defineJob({ name: "Square", result_ttl: 60 });

  it("waitFor resolves with the handler's return value; a plain job stores nothing", async () => {
    const w = testWorker(t.redis);
    w.register(Square, async (args) => ({ squared: Number(args[0]) ** 2 }));
    w.register("Plain", async () => "ignored");
    await w.start();
    const jid = (await client.performAsync(Square, 7))!;
    expect(await waitFor(client, jid, { timeout: 10 })).toEqual({ squared: 49 });
    expect(await getResult(client, jid)).toEqual({ ok: true, value: { squared: 49 } });
    const ttl = await t.redis.ttl(`edgekiq:result:${jid}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);

    const plain = (await client.push({ class: "Plain", args: [] }))!;
    await until(async () => (await t.redis.get("stat:processed")) === "2", { what: "2 done" });
    expect(await getResult(client, plain)).toBeNull();
    expect(await t.redis.keys("edgekiq:result:*")).toEqual([`edgekiq:result:${jid}`]);
  });

  it("waitFor rejects with the job's error class and message once it fails for good", async () => {
    const w = testWorker(t.redis);
    class PaymentDeclined extends Error {
      override name = "PaymentDeclined";
    }
    w.register("Charge", async () => {
      throw new PaymentDeclined("card 4242 declined");
    });
    await w.start();
    const jid = (await client.push({ class: "Charge", args: [], retry: false, result_ttl: 60 }))!;
    const err = await waitFor(client, jid, { timeout: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).code).toBe("JOB_FAILED");
    expect((err as JobFailedError).errorClass).toBe("PaymentDeclined");
    expect((err as JobFailedError).message).toBe("card 4242 declined");
  });

  it("a retried failure stores nothing; waitFor times out with WAIT_TIMEOUT", async () => {
    const w = testWorker(t.redis, { scheduler: false });
    w.register("Flaky", async () => {
      throw new Error("not yet");
    });
    await w.start();
    const jid = (await client.push({ class: "Flaky", args: [], result_ttl: 60 }))!;
    await until(async () => (await t.redis.zcard("retry")) === 1, { what: "the retry" });
    const err = await waitFor(client, jid, { timeout: 0.3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as WaitTimeoutError).code).toBe("WAIT_TIMEOUT");
    expect(await getResult(client, jid)).toBeNull();
  });

  it("ctx.progress stores the job's progress", async () => {
    const w = testWorker(t.redis);
    w.register("Long", async (_args, ctx) => {
      await ctx.progress({ percent: 40 });
    });
    await w.start();
    const jid = (await client.push({ class: "Long", args: [] }))!;
    await until(() => t.redis.get(`edgekiq:progress:${jid}`), { what: "progress" });
    expect(JSON.parse((await t.redis.get(`edgekiq:progress:${jid}`))!)).toEqual({ percent: 40 });
  });
});

describe("batches", () => {
  it("fires success and complete exactly once when every job succeeds; carries bid", async () => {
    const w = testWorker(t.redis, { concurrency: 20 });
    registerCallbacks(w);
    const seen: unknown[] = [];
    w.register("Work", async (_args, ctx) => {
      seen.push(ctx.payload.bid);
    });
    const batch = new Batch(client, { description: "two hundred", callbacks });
    const jids = await batch.add(async (b) => {
      for (let i = 0; i < 200; i++) await b.push({ class: "Work", args: [i] });
    });
    expect(jids).toHaveLength(200);
    const before = await Batch.status(client, batch.bid);
    expect(before).toMatchObject({ total: 200, pending: 200, complete: false, success: false });
    expect(before!.description).toBe("two hundred");
    expect(before!.expires_in).toBeGreaterThan(29 * 24 * 3600);
    await w.start();
    await until(() => fired(batch.bid, "success"), { what: "success" });
    await until(async () => (await t.redis.llen("order")) >= 2, { what: "both callbacks" });
    expect(seen).toHaveLength(200);
    expect(new Set(seen)).toEqual(new Set([batch.bid]));
    expect(await fired(batch.bid, "complete")).toBe(1);
    expect(await fired(batch.bid, "success")).toBe(1);
    expect(await fired(batch.bid, "death")).toBe(0);
    // Sidekiq Pro's order: complete, then success.
    expect(await t.redis.lrange("order", 0, -1)).toEqual([
      `${batch.bid}:complete`,
      `${batch.bid}:success`,
    ]);
    const after = await batch.status();
    expect(after).toMatchObject({
      total: 200,
      pending: 0,
      failures: 0,
      complete: true,
      success: true,
    });
  });

  it("with failing jobs: complete after the first pass, success after the retries", async () => {
    const w = testWorker(t.redis, { concurrency: 10 });
    registerCallbacks(w);
    w.register("FailOnce", async (args, ctx) => {
      if (args[0] === "fail" && ctx.retryCount === 0) throw new Error("first try fails");
    });
    const batch = new Batch(client, { callbacks });
    await batch.add(async (b) => {
      for (let i = 0; i < 50; i++)
        await b.push({ class: "FailOnce", args: [i % 10 === 0 ? "fail" : "ok"] });
    });
    await w.start();
    await until(() => fired(batch.bid, "complete"), { what: "complete" });
    const mid = await Batch.status(client, batch.bid);
    expect(mid!.complete).toBe(true);
    expect(mid!.success).toBe(false);
    expect(mid!.failed.map((f) => f.error_message)).toEqual(Array(5).fill("first try fails"));
    expect(mid!.pending).toBe(5);
    // Make the retries due now rather than in Sidekiq's 15+ seconds.
    for (const job of await t.redis.zrange("retry", "0", "-1")) {
      await t.redis.zadd("retry", "0", job);
    }
    await until(() => fired(batch.bid, "success"), { what: "success" });
    await until(async () => (await t.redis.llen("order")) >= 2, { what: "both callbacks" });
    expect(await fired(batch.bid, "complete")).toBe(1);
    expect(await fired(batch.bid, "success")).toBe(1);
    const end = await Batch.status(client, batch.bid);
    expect(end).toMatchObject({ pending: 0, failures: 5, failed: [], success: true });
  });

  it("a job that dies fires death once; the batch completes but never succeeds", async () => {
    const w = testWorker(t.redis, { concurrency: 5 });
    registerCallbacks(w);
    w.register("Doomed", async (args) => {
      if (args[0] === "die") throw new TypeError("cannot work");
    });
    const batch = new Batch(client, { callbacks });
    const jids = await batch.add(async (b) => {
      await b.push({ class: "Doomed", args: ["die"], retry: 0 });
      await b.push({ class: "Doomed", args: ["die"], retry: false });
      for (let i = 0; i < 8; i++) await b.push({ class: "Doomed", args: ["ok"] });
    });
    await w.start();
    await until(() => fired(batch.bid, "complete"), { what: "complete" });
    await until(() => fired(batch.bid, "death"), { what: "death" });
    const s = await Batch.status(client, batch.bid);
    expect(s).toMatchObject({ pending: 2, death: true, complete: true, success: false });
    expect(s!.failed.map((f) => [f.jid, f.error_class, f.dead]).sort()).toEqual(
      [
        [jids[0], "TypeError", true],
        [jids[1], "TypeError", true],
      ].sort(),
    );
    expect(await fired(batch.bid, "death")).toBe(1);
    expect(await fired(batch.bid, "success")).toBe(0);
    // The retry: 0 job is in the dead set, as any dead job.
    expect(await t.redis.zcard("dead")).toBe(1);
  });

  it("an empty batch completes at once", async () => {
    const w = testWorker(t.redis);
    registerCallbacks(w);
    await w.start();
    const batch = new Batch(client, { callbacks });
    expect(await batch.add()).toEqual([]);
    await until(() => fired(batch.bid, "success"), { what: "success" });
    expect(await fired(batch.bid, "complete")).toBe(1);
  });

  it("child batches: the parent succeeds only after both children, once", async () => {
    const w = testWorker(t.redis, { concurrency: 10 });
    registerCallbacks(w);
    w.register("Slow", async () => {
      await new Promise((r) => setTimeout(r, 30));
    });
    // The parent's job creates two child batches of its own.
    w.register("Spawn", async (_args, ctx) => {
      for (const name of ["a", "b"]) {
        const child = new Batch(client, {
          parent: ctx.bid,
          description: name,
          callbacks: { success: { class: "Callback", args: [] } },
        });
        await child.add(async (b) => {
          for (let i = 0; i < 20; i++) await b.push({ class: "Slow", args: [] });
        });
      }
    });
    const parent = new Batch(client, { callbacks: { success: { class: "Callback", args: [] } } });
    await parent.add((b) => b.push({ class: "Spawn", args: [] }));
    await w.start();
    await until(() => fired(parent.bid, "success"), { what: "the parent's success" });
    const s = await Batch.status(client, parent.bid);
    expect(s!.children).toHaveLength(2);
    expect(s!.total).toBe(3);
    const order = await t.redis.lrange("order", 0, -1);
    // Both children's success before the parent's.
    expect(order).toHaveLength(3);
    expect(order[2]).toBe(`${parent.bid}:success`);
    for (const kid of s!.children) {
      expect(await fired(kid, "success")).toBe(1);
      expect((await Batch.status(client, kid))!.parent).toBe(parent.bid);
    }
  });

  it("a job adds more jobs to its own batch while it runs", async () => {
    const w = testWorker(t.redis, { concurrency: 4 });
    registerCallbacks(w);
    w.register("Crawl", async (args, ctx) => {
      const depth = Number(args[0]);
      await t.redis.incr("crawled");
      if (depth < 3) {
        await Batch.open(client, ctx.bid!).add(async (b) => {
          await b.push({ class: "Crawl", args: [depth + 1] });
          await b.push({ class: "Crawl", args: [depth + 1] });
        });
      }
    });
    const batch = new Batch(client, { callbacks });
    await batch.add((b) => b.push({ class: "Crawl", args: [0] }));
    await w.start();
    await until(() => fired(batch.bid, "success"), { what: "success" });
    expect(await t.redis.get("crawled")).toBe("15");
    expect((await Batch.status(client, batch.bid))!.total).toBe(15);
    expect(await fired(batch.bid, "success")).toBe(1);
  });

  it("a Sidekiq Pro batch job (a bid we never created) runs, and Pro's keys stay untouched", async () => {
    await t.redis.hset("b-ProBatch123", "pending", "1", "total", "1");
    await t.redis.sadd("b-ProBatch123-jids", "aaaaaaaaaaaaaaaaaaaaaaaa");
    const w = testWorker(t.redis);
    const ran: string[] = [];
    w.register("ProJob", async (_args, ctx) => {
      ran.push(ctx.bid!);
    });
    await w.start();
    await client.push({
      class: "ProJob",
      args: [],
      bid: "ProBatch123",
      jid: "aaaaaaaaaaaaaaaaaaaaaaaa",
    });
    await until(() => ran.length === 1 && w.busy === 0, { what: "the job" });
    await until(
      async () =>
        (await t.redis.keys("edgekiq:inprogress:*|default")).length === 0 ||
        (await t.redis.llen((await t.redis.keys("edgekiq:inprogress:*|default"))[0]!)) === 0,
      { what: "the ack" },
    );
    expect(ran).toEqual(["ProBatch123"]);
    expect(await t.redis.hgetall("b-ProBatch123")).toEqual({ pending: "1", total: "1" });
    expect(await t.redis.smembers("b-ProBatch123-jids")).toEqual(["aaaaaaaaaaaaaaaaaaaaaaaa"]);
  });

  it("a finish step replayed (its reply lost) counts once and fires nothing twice", async () => {
    const redis = fromIoredis(t.redis);
    const batch = new Batch(client, { callbacks });
    const [jid] = await batch.add((b) => b.push({ class: "Work", args: [] }));
    // Play the worker: move the job into an in-progress list, then finish it twice.
    const json = (await t.redis.rpoplpush("queue:default", "edgekiq:inprogress:test|default"))!;
    const finish = ["finish", "", 1, "edgekiq:inprogress:test|default", json, jid!, batch.bid];
    await redis.evalScript(batchStep, [], [...finish, "ok", 0, "", 0]);
    await redis.evalScript(batchStep, [], [...finish, "ok", 0, "", 0]);
    expect(await t.redis.llen("queue:default")).toBe(2); // complete + success callbacks, once each
    const s = await Batch.status(client, batch.bid);
    expect(s).toMatchObject({ total: 1, pending: 0, success: true });
  });

  it("the finish step runs no command but a failure's retry and dead writes", async () => {
    const redis = fromIoredis(t.redis);
    await t.redis.rpush("edgekiq:inprogress:test|default", "job");
    await t.redis.set("precious", "1");
    const step = [
      "finish",
      "",
      1,
      "edgekiq:inprogress:test|default",
      "job",
      "j",
      "",
      "retry",
      0,
      "",
    ];
    await expect(
      redis.evalScript(batchStep, [], [...step, 1, 2, "del", "precious"]),
    ).rejects.toThrow(/not a retry or dead write/);
    await expect(
      redis.evalScript(batchStep, [], [...step, 1, 4, "zadd", "other", 1, "x"]),
    ).rejects.toThrow(/not a retry or dead write/);
    // Refused before any write: the job is still held, the key still there.
    expect(await t.redis.get("precious")).toBe("1");
    expect(await t.redis.llen("edgekiq:inprogress:test|default")).toBe(1);
  });
});

describe("flow", () => {
  const Fetch = defineJob({ name: "Fetch" });
  const Merge = defineJob({ name: "Merge", result_ttl: 60 });

  it("runs the parent after every child, with the children's results", async () => {
    const w = testWorker(t.redis, { concurrency: 5 });
    w.register(Fetch, async (args) => `page-${args[0]}`);
    w.register(Merge, async (_args, ctx) => {
      const results = await ctx.childResults();
      return results.map((r) => (r?.ok ? r.value : null)).join(",");
    });
    const f = await flow(
      client,
      { class: Merge, args: [] },
      [1, 2, 3].map((n) => ({ class: Fetch, args: [n] })),
    );
    await w.start();
    expect(await waitFor(client, f.parentJid, { timeout: 10 })).toBe("page-1,page-2,page-3");
    expect(f.childJids).toHaveLength(3);
  });

  it('onChildDeath "fail": a dead child keeps the parent from running; "ignore" runs it', async () => {
    const w = testWorker(t.redis, { concurrency: 5 });
    w.register(Fetch, async (args) => {
      if (args[0] === 0) throw new Error("404");
      return args[0];
    });
    w.register(Merge, async (_args, ctx) => (await ctx.childResults()).map((r) => r?.ok ?? null));
    const children = [0, 1].map((n) => ({ class: Fetch, args: [n], retry: false }));
    const failing = await flow(client, { class: Merge, args: [] }, children);
    const ignoring = await flow(client, { class: Merge, args: [] }, children, {
      onChildDeath: "ignore",
    });
    await w.start();
    expect(await waitFor(client, ignoring.parentJid, { timeout: 10 })).toEqual([false, true]);
    await until(async () => (await Batch.status(client, failing.bid))?.death, { what: "death" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await getResult(client, failing.parentJid)).toBeNull();
  });
});
