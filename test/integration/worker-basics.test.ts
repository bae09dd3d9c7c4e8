// End-to-end on a real Redis: our client pushes, the worker runs, everything is acknowledged;
// strict and weighted queue order; concurrency; middleware; schema validation; timeouts.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { useTestRedis } from "../helpers/redis";
import { deferred, testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });

describe("Worker basics", () => {
  it("runs pushed jobs with typed, validated args and acknowledges them", async () => {
    await t.flush();
    const Hard = defineJob({ name: "HardJob", args: v.tuple([v.number(), v.string()]) });
    const seen: [number, string, string, number][] = [];
    const worker = testWorker(t.redis);
    worker.register(Hard, async ([n, s], ctx) => {
      seen.push([n, s, ctx.queue, ctx.retryCount]);
    });
    await worker.start();
    const jids = await Promise.all([1, 2, 3].map((i) => client.performAsync(Hard, i, `x${i}`)));
    await waitFor(() => seen.length === 3, { what: "3 jobs" });
    expect(seen.map((s) => s[0]).sort()).toEqual([1, 2, 3]);
    expect(seen[0]![2]).toBe("default");
    expect(seen[0]![3]).toBe(0);
    expect(jids.every((j) => typeof j === "string")).toBe(true);
    // Acknowledged: in-progress list empties, queue is empty.
    await waitFor(
      async () => (await t.redis.llen(worker.keys.inProgress(worker.identity, "default"))) === 0,
      { what: "acks" },
    );
    expect(await t.redis.llen("queue:default")).toBe(0);
    await worker.stop();
    expect(await t.redis.get("stat:processed")).toBe("3");
  });

  it("drains queues in strict order", async () => {
    await t.flush();
    for (let i = 0; i < 5; i++)
      await client.push({ class: "OrderJob", args: ["low"], queue: "low" });
    for (let i = 0; i < 5; i++)
      await client.push({ class: "OrderJob", args: ["high"], queue: "high" });
    const order: string[] = [];
    const worker = testWorker(t.redis, { queues: ["high", "low"], concurrency: 1 });
    worker.register("OrderJob", (args) => {
      order.push(args[0] as string);
    });
    await worker.start();
    await waitFor(() => order.length === 10, { what: "10 jobs" });
    expect(order).toEqual([...Array(5).fill("high"), ...Array(5).fill("low")]);
  });

  it("weighted queues pick the heavier queue first more often", async () => {
    await t.flush();
    const { parseQueues } = await import("../../src/worker/queues");
    const q = parseQueues([
      ["critical", 3],
      ["default", 1],
    ]);
    expect(q.mode).toBe("weighted");
    let critFirst = 0;
    for (let i = 0; i < 4000; i++) if (q.order()[0] === 0) critFirst++;
    // P = 3/4; 4000 draws: far outside noise if the weights were ignored (1/2).
    expect(critFirst / 4000).toBeGreaterThan(0.7);
    expect(critFirst / 4000).toBeLessThan(0.8);
    expect(parseQueues(["a", "b"]).order()).toEqual([0, 1]);
  });

  it("runs up to `concurrency` jobs at once and no more", async () => {
    await t.flush();
    let running = 0;
    let peak = 0;
    const gate = deferred();
    const worker = testWorker(t.redis, { concurrency: 4 });
    worker.register("SlowJob", async () => {
      running++;
      peak = Math.max(peak, running);
      await gate.promise;
      running--;
    });
    await worker.start();
    await client.pushBulk({ class: "SlowJob", args: Array.from({ length: 10 }, (_, i) => [i]) });
    await waitFor(() => running === 4, { what: "4 running" });
    await new Promise((r) => setTimeout(r, 100));
    expect(peak).toBe(4);
    expect(worker.busy).toBe(4);
    gate.resolve();
    await waitFor(async () => (await t.redis.llen("queue:default")) === 0 && running === 0);
    expect(peak).toBe(4);
  });

  it("an idle worker picks up a new job without a polling sleep", async () => {
    await t.flush();
    const done = deferred<number>();
    const worker = testWorker(t.redis);
    worker.register("FastJob", () => done.resolve(Date.now()));
    await worker.start();
    await new Promise((r) => setTimeout(r, 300)); // now blocked in BLMOVE
    const pushedAt = Date.now();
    await client.push({ class: "FastJob", args: [] });
    const ranAt = await done.promise;
    // Woken by the push itself; a 2 s poll would show up here (not a speed threshold: a bound
    // far below the block timeout).
    expect(ranAt - pushedAt).toBeLessThan(1500);
  });

  it("runs server middleware around every job; not calling next skips it", async () => {
    await t.flush();
    const calls: string[] = [];
    const worker = testWorker(t.redis, {
      middleware: [
        async (job, ctx, next) => {
          calls.push(`before:${job.args[0]}:${ctx.queue}`);
          if (job.args[0] === "skip") return;
          await next();
          calls.push(`after:${job.args[0]}`);
        },
      ],
    });
    worker.register("MwJob", (args) => {
      calls.push(`run:${args[0]}`);
    });
    await worker.start();
    await client.push({ class: "MwJob", args: ["a"] });
    await waitFor(() => calls.includes("after:a"));
    await client.push({ class: "MwJob", args: ["skip"] });
    await waitFor(() => calls.includes("before:skip:default"));
    await waitFor(
      async () => (await t.redis.llen(worker.keys.inProgress(worker.identity, "default"))) === 0,
    );
    expect(calls).toEqual(["before:a:default", "run:a", "after:a", "before:skip:default"]);
  });

  it("a per-job timeout aborts the signal and counts as a failure", async () => {
    await t.flush();
    let aborted: unknown;
    const worker = testWorker(t.redis);
    worker.register(
      "StuckJob",
      (_args, ctx) =>
        new Promise<void>((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            aborted = ctx.signal.reason;
            resolve();
          });
        }),
      { timeoutSeconds: 0.2 },
    );
    await worker.start();
    await client.push({ class: "StuckJob", args: [] });
    await waitFor(async () => (await t.redis.zcard("retry")) === 1, { what: "retry" });
    const [json] = await t.redis.zrange("retry", "0", "0");
    const job = JSON.parse(json!);
    expect(job.error_class).toBe("JobTimeoutError");
    expect(job.error_message).toMatch(/timed out after 0.2 s/);
    expect((aborted as Error).name).toBe("JobTimeoutError");
  });

  it("uses 1 + one-per-queue Redis connections, whatever the concurrency", async () => {
    await t.flush();
    const countClients = async () =>
      String(await t.redis.call("client", "list"))
        .split("\n")
        .filter((l) => l.includes(` db=${t.db} `)).length;
    const before = await countClients();
    const worker = testWorker(t.redis, { concurrency: 200, queues: ["a", "b"] });
    await worker.start();
    await new Promise((r) => setTimeout(r, 300)); // idle: both queues blocked
    expect((await countClients()) - before).toBe(2);
    await worker.stop();
    await waitFor(async () => (await countClients()) === before, { what: "lanes closed" });
  });

  it("honours a Sidekiq 6 namespace on every key, including scheduled jobs", async () => {
    await t.flush();
    const nsClient = new Client({ redis: t.redis, namespace: "myapp" });
    const ran: string[] = [];
    const worker = testWorker(t.redis, { namespace: "myapp" });
    worker.register("NsJob", (a) => void ran.push(a[0] as string));
    await worker.start();
    await nsClient.push({ class: "NsJob", args: ["now"] });
    await nsClient.performIn(0.2, "NsJob", "later");
    await waitFor(() => ran.length === 2, { what: "2 namespaced jobs" });
    expect(ran.sort()).toEqual(["later", "now"]);
    expect(await t.redis.sismember("myapp:processes", worker.identity)).toBe(1);
    expect(await t.redis.exists("processes", "queue:default", "schedule")).toBe(0);
  });
});
