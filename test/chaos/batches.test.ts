// Batches under load and under SIGKILL: a 10,000-job batch drained by 3 worker processes fires
// each callback exactly once, with 1% of the jobs failing once (complete after the first pass,
// success after the retries), and again while workers are SIGKILLed every second or two. The
// counts must match the jobs exactly: a kill at any point loses no count and adds none.
//
// A callback job records its own jid in a set per event: a callback re-run after a kill (at
// least once, as any job) is the same jid, so the set's size is how many times it was pushed.
// As in crash.test.ts, the tests DEL a killed worker's process hash (what its 60 s TTL does).
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Batch } from "../../src/core/batch/batch";
import { Client } from "../../src/core/client";
import { Keys } from "../../src/core/keys";
import { useTestRedis } from "../helpers/redis";
import {
  type Child,
  inProgressLeftovers,
  killLeftovers,
  sleep,
  startFixture,
  tally,
  waitFor,
} from "./helpers";

const t = await useTestRedis();
const keys = new Keys();
const client = new Client({ redis: t.redis });
afterEach(killLeftovers);
afterAll(killLeftovers);

const figures: Record<string, unknown> = {};
afterAll(() => console.log("batch chaos figures", JSON.stringify(figures)));

const JOBS = 10_000;
const callback = { class: "Callback", args: [] };

/** A 10,000-job batch; every 100th job fails once. Returns the batch and the jids. */
async function bigBatch(msMin: number, msMax: number) {
  const batch = new Batch(client, {
    description: "chaos",
    callbacks: { success: callback, complete: callback, death: callback },
  });
  const jids: string[] = [];
  for (let start = 0; start < JOBS; start += 2_000) {
    jids.push(
      ...(await batch.add(async (b) => {
        for (let i = start; i < start + 2_000; i++) {
          const ms = msMin + Math.floor(Math.random() * (msMax - msMin));
          await b.push({ class: "BatchWork", args: i % 100 === 0 ? [ms, "fail"] : [ms] });
        }
      })),
    );
  }
  return { batch, jids };
}

const pushes = (bid: string, event: string) => t.redis.scard(`callbacks:${bid}:${event}`);

/** Retries wait Sidekiq's 15+ s; make the waiting ones due now, as time passing would. */
async function retriesDueNow(): Promise<void> {
  for (const job of await t.redis.zrange("retry", "0", "-1")) {
    await t.redis.zadd("retry", "0", job);
  }
}

async function finish(bid: string, jids: string[], workers: Child[]) {
  await waitFor(
    async () => {
      await retriesDueNow();
      return (await pushes(bid, "success")) > 0;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: "the success callback" },
  );
  // Callbacks fired by the last steps are still being run: give them a moment, then stop.
  await waitFor(async () => (await t.redis.llen("callback-order")) >= 2, { what: "callbacks" });
  await sleep(500);
  for (const w of workers) if (w.exitedAt() === 0) w.child.kill("SIGTERM");
  for (const w of workers) await w.exited;
  const status = (await Batch.status(client, bid))!;
  const runs = await tally(t.redis, jids);
  return { status, runs };
}

describe("a 10,000-job batch on 3 worker processes", () => {
  it("1% failing once: complete once after the first pass, success once after the retries", async () => {
    await t.flush();
    const { batch, jids } = await bigBatch(0, 5);
    const env = { REDIS_URL: t.url, CONCURRENCY: "50" };
    const workers = [0, 1, 2].map(() => startFixture("batch-worker.ts", env));
    await Promise.all(workers.map((w) => w.identity));
    await waitFor(async () => (await pushes(batch.bid, "complete")) > 0, {
      timeoutMs: 90_000,
      what: "the complete callback",
    });
    // Complete came after the first pass: the failed jobs are still waiting to be retried.
    const atComplete = (await Batch.status(client, batch.bid))!;
    expect(atComplete.pending).toBe(100);
    expect(atComplete.success).toBe(false);
    const { status, runs } = await finish(batch.bid, jids, workers);
    figures.threeWorkers = { jobs: JOBS, ...runs };
    expect(await pushes(batch.bid, "complete")).toBe(1);
    expect(await pushes(batch.bid, "success")).toBe(1);
    expect(await pushes(batch.bid, "death")).toBe(0);
    expect(await t.redis.lrange("callback-order", 0, -1)).toEqual(["complete", "success"]);
    expect(status).toMatchObject({ total: JOBS, pending: 0, failures: 100, failed: [] });
    expect(runs.missing).toBe(0);
    expect(runs.runs).toBe(JOBS + 100); // no kills: every job once, the failing ones twice
    expect(await inProgressLeftovers(t.redis)).toEqual([]);
  }, 180_000);

  it("with a worker SIGKILLed every 1-2 s (at least 5 kills), each callback still fires once", async () => {
    await t.flush();
    const { batch, jids } = await bigBatch(100, 300);
    const env = { REDIS_URL: t.url, CONCURRENCY: "50" };
    const workers: Child[] = [0, 1, 2].map(() => startFixture("batch-worker.ts", env));
    await Promise.all(workers.map((w) => w.identity));
    let kills = 0;
    const inFlightAtKill: number[] = [];
    while (kills < 5 || ((await pushes(batch.bid, "complete")) === 0 && kills < 12)) {
      await sleep(1000 + Math.random() * 1000);
      const live = workers.filter((w) => w.exitedAt() === 0);
      const victim = live[Math.floor(Math.random() * live.length)]!;
      const identity = await victim.identity;
      victim.child.kill("SIGKILL");
      await victim.exited;
      inFlightAtKill.push(await t.redis.llen(keys.inProgress(identity, "default")));
      await t.redis.del(keys.process(identity));
      kills++;
      const fresh = startFixture("batch-worker.ts", env);
      workers.push(fresh);
      await fresh.identity;
    }
    const { status, runs } = await finish(batch.bid, jids, workers);
    figures.killed = { jobs: JOBS, kills, inFlightAtKill, ...runs };
    expect(kills).toBeGreaterThanOrEqual(5);
    // The kills hit jobs in flight.
    expect(Math.max(...inFlightAtKill)).toBeGreaterThan(0);
    expect(await pushes(batch.bid, "complete")).toBe(1);
    expect(await pushes(batch.bid, "success")).toBe(1);
    expect(await pushes(batch.bid, "death")).toBe(0);
    // Counts match the jobs exactly, re-runs after kills notwithstanding.
    expect(status).toMatchObject({ total: JOBS, pending: 0, failures: 100, failed: [] });
    expect(runs.missing).toBe(0);
    expect(await inProgressLeftovers(t.redis)).toEqual([]);
    expect(await t.redis.llen("queue:default")).toBe(0);
  }, 240_000);
});
