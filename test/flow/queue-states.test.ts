// Paused queues and fleet-wide queue caps on a real Redis: a paused queue is not fetched from
// while another queue on the same worker drains, pushes to it still land, and once unpaused it
// drains; a queue capped at N never has more than N jobs running across several workers.
import { describe, expect, it } from "vitest";
import { Queue } from "../../src/api/queue";
import { Client } from "../../src/core/client";
import { ArgumentError } from "../../src/core/errors";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const api = { redis: t.redis };

describe("Queue#pause / unpause / limit (edgekiq/api)", () => {
  it("stores the states where every edgekiq process reads them", async () => {
    await t.flush();
    const q = new Queue("mailers", api);
    expect(await q.isPaused()).toBe(false);
    await q.pause();
    expect(await q.isPaused()).toBe(true);
    expect(await t.redis.smembers("edgekiq:paused")).toEqual(["mailers"]);
    await q.unpause();
    expect(await q.isPaused()).toBe(false);
    expect(await q.limit()).toBeUndefined();
    await q.setLimit(3);
    expect(await q.limit()).toBe(3);
    await new Queue("low", api).pause();
    expect(await Queue.flowStates(api)).toEqual({ paused: ["low"], caps: { mailers: 3 } });
    await q.setLimit(null);
    expect(await q.limit()).toBeUndefined();
    await expect(q.setLimit(-1)).rejects.toThrow(ArgumentError);
    await expect(q.setLimit(1.5)).rejects.toThrow(ArgumentError);
  });
});

describe("a worker and paused queues", () => {
  it("skips a paused queue while another drains, and drains it once unpaused", async () => {
    await t.flush();
    const held = new Queue("held", api);
    await held.pause();
    for (let i = 0; i < 5; i++) await client.push({ class: "Job", args: [i], queue: "held" });
    const ran: string[] = [];
    const worker = testWorker(t.redis, { queues: ["held", "open"], concurrency: 2 });
    worker.register("Job", (_args, ctx) => {
      ran.push(ctx.queue);
    });
    await worker.start();
    for (let i = 0; i < 10; i++) await client.push({ class: "Job", args: [i], queue: "open" });
    await waitFor(() => ran.length === 10, { what: "the open queue" });
    // Pushes to the paused queue still landed, and none of them ran.
    for (let i = 0; i < 3; i++) await client.push({ class: "Job", args: [i], queue: "held" });
    await new Promise((r) => setTimeout(r, 300));
    expect(ran.every((q) => q === "open")).toBe(true);
    expect(await held.size()).toBe(8);
    await held.unpause();
    await waitFor(() => ran.length === 18, { what: "the unpaused queue", timeoutMs: 5000 });
    expect(await held.size()).toBe(0);
  });

  it("stops fetching from a queue paused while the worker runs", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { queues: ["live"], concurrency: 1 });
    const ran: number[] = [];
    worker.register("Job", (args) => {
      ran.push(args[0] as number);
    });
    await worker.start();
    await client.push({ class: "Job", args: [1], queue: "live" });
    await waitFor(() => ran.length === 1, { what: "first job" });
    await new Queue("live", api).pause();
    // Within a second every process has read the pause (plus the 2 s block that may be waiting).
    await new Promise((r) => setTimeout(r, 1200));
    for (let i = 2; i <= 4; i++) await client.push({ class: "Job", args: [i], queue: "live" });
    await new Promise((r) => setTimeout(r, 2500));
    expect(ran).toEqual([1]);
    expect(await t.redis.llen("queue:live")).toBe(3);
    await new Queue("live", api).unpause();
    await waitFor(() => ran.length === 4, { what: "drain after unpause" });
  }, 15_000);
});

describe("a queue capped across the fleet", () => {
  it("never has more than N running across 3 workers, and runs every job", async () => {
    await t.flush();
    await new Queue("capped", api).setLimit(2);
    let inside = 0;
    let most = 0;
    let done = 0;
    const workers = [0, 1, 2].map(() =>
      testWorker(t.connect(), { queues: ["capped"], concurrency: 5 }),
    );
    for (const w of workers) {
      w.register("Capped", async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 30));
        inside--;
        done++;
      });
    }
    await Promise.all(workers.map((w) => w.start()));
    await client.pushBulk({
      class: "Capped",
      args: Array.from({ length: 30 }, (_, i) => [i]),
      queue: "capped",
    });
    await waitFor(() => done === 30, { what: "30 capped jobs", timeoutMs: 20_000 });
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBe(2);
  }, 30_000);
});
