// Sidekiq 7 job metrics written by a real worker on a real Redis: the per-minute hash
// `j|YYYYMMDD|H:M` (runs, failures, ms of successful runs, per `wrapped || class`), the
// per-class histograms `<Class>-DD-HH:M` read back with BITFIELD_RO, their 8 h TTLs, the flush at
// a clean stop, and nothing at all in Sidekiq 6 mode.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { histogramKey, Keys, metricsKey } from "../../src/core/keys";
import { useTestRedis } from "../helpers/redis";
import { deferred, testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const keys = new Keys();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW_MS = 170;

/** BITFIELD_RO of all 26 buckets, as Sidekiq's Metrics::Query reads them. */
async function histogram(key: string): Promise<number[]> {
  const args = Array.from({ length: 26 }, (_, i) => ["GET", "u16", `#${i}`]).flat();
  return (await t.redis.call("bitfield_ro", key, ...args)) as number[];
}

/** The flushes of a test must land in one minute: skip the last seconds of the current one. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await sleep(left + 200);
}

/** The sum of every class's runs (`<Class>|p`) in one minute's hash. */
async function runsIn(key: string): Promise<number> {
  const hash = await t.redis.hgetall(key);
  let n = 0;
  for (const [field, value] of Object.entries(hash)) if (field.endsWith("|p")) n += Number(value);
  return n;
}

async function metricsKeys(): Promise<string[]> {
  return (await t.redis.keys("j|*")).sort();
}

describe("Sidekiq 7 job metrics", () => {
  it("counts runs, failures and times per `wrapped || class` and flushes them on the beat", async () => {
    await t.flush();
    await awayFromMinuteEnd();
    const worker = testWorker(t.redis, { concurrency: 4 });
    worker.register("FastJob", () => undefined);
    worker.register("SlowJob", () => sleep(SLOW_MS));
    worker.register("FailJob", () => {
      throw new Error("boom");
    });
    worker.register("ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper", () => undefined);
    await worker.start();

    await client.pushBulk({ class: "FastJob", args: [[1], [2], [3], [4], [5]] });
    // display_class changes what UIs show, not the metrics class (Sidekiq: wrapped || class).
    await client.push({ class: "FastJob", args: [6], display_class: "Shown" });
    await client.pushBulk({ class: "SlowJob", args: [[1], [2]] });
    await client.pushBulk({ class: "FailJob", args: [[1], [2]], retry: false });
    await client.push({
      class: "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper",
      wrapped: "WelcomeMailer",
      args: [{ job_class: "WelcomeMailer", arguments: [] }],
    });
    // Unknown class: counted as a run and a failure (documented difference from Sidekiq).
    await client.push({ class: "NoSuchJob", args: [], retry: false });

    // The metrics are written right after a beat, in a MULTI of their own: wait until they
    // count every job.
    const now = Date.now();
    const key = metricsKey(keys, now);
    await waitFor(async () => (await runsIn(key)) === 12, { what: "12 runs in the metrics" });
    expect(await metricsKeys()).toEqual([key]);

    const hash = await t.redis.hgetall(key);
    expect(Object.keys(hash).sort()).toEqual([
      "FailJob|f",
      "FailJob|p",
      "FastJob|ms",
      "FastJob|p",
      "NoSuchJob|f",
      "NoSuchJob|p",
      "SlowJob|ms",
      "SlowJob|p",
      "WelcomeMailer|ms",
      "WelcomeMailer|p",
    ]);
    expect(hash).toMatchObject({
      "FastJob|p": "6",
      "SlowJob|p": "2",
      "FailJob|p": "2",
      "FailJob|f": "2",
      "WelcomeMailer|p": "1",
      "NoSuchJob|p": "1",
      "NoSuchJob|f": "1",
    });
    for (const field of ["FastJob|ms", "SlowJob|ms", "WelcomeMailer|ms"]) {
      expect(hash[field]).toMatch(/^\d+$/); // whole milliseconds
    }
    const slowMs = Number(hash["SlowJob|ms"]);
    expect(slowMs).toBeGreaterThanOrEqual(2 * (SLOW_MS - 1));
    expect(slowMs).toBeLessThan(2 * 2000);
    const ttl = await t.redis.ttl(key);
    expect(ttl).toBeGreaterThan(28800 - 60);
    expect(ttl).toBeLessThanOrEqual(28800);

    // Histograms: successful runs only, one count per run, in the bucket of its time.
    const fast = await histogram(histogramKey(keys, "FastJob", now));
    expect(fast.reduce((a, b) => a + b, 0)).toBe(6);
    const slow = await histogram(histogramKey(keys, "SlowJob", now));
    expect(slow.reduce((a, b) => a + b, 0)).toBe(2);
    // 170 ms sleeps: not under the 150 ms bound, so bucket #6 (< 225 ms) or later.
    expect(slow.slice(0, 6).every((n) => n === 0)).toBe(true);
    const mailer = await histogram(histogramKey(keys, "WelcomeMailer", now));
    expect(mailer.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await t.redis.exists(histogramKey(keys, "FailJob", now))).toBe(0);
    expect(await t.redis.exists(histogramKey(keys, "NoSuchJob", now))).toBe(0);
    expect(await t.redis.exists(histogramKey(keys, "Shown", now))).toBe(0);
    const gramTtl = await t.redis.ttl(histogramKey(keys, "SlowJob", now));
    expect(gramTtl).toBeGreaterThan(28800 - 60);
    expect(gramTtl).toBeLessThanOrEqual(28800);

    // Later beats add nothing when nothing ran (no double counting of a flushed minute).
    const beats = Number(await t.redis.hget(worker.identity, "beat"));
    await waitFor(async () => Number(await t.redis.hget(worker.identity, "beat")) > beats + 0.9, {
      what: "two more beats",
    });
    expect(await t.redis.hgetall(key)).toEqual(hash);
  });

  it("flushes the metrics of a job that finished after the last beat at a clean stop", async () => {
    await t.flush();
    await awayFromMinuteEnd();
    const gate = deferred();
    // No periodic beat within the test: only quiet's beat and the stop's own flush write.
    const worker = testWorker(t.redis, { heartbeatInterval: 3600 });
    worker.register("GateJob", () => gate.promise);
    await worker.start();
    await client.push({ class: "GateJob", args: [] });
    await waitFor(() => worker.busy === 1, { what: "job running" });
    await worker.quiet();
    await waitFor(async () => (await t.redis.hget(worker.identity, "quiet")) === "true", {
      what: "quiet beat",
    });
    expect(await metricsKeys()).toEqual([]); // the job still runs: nothing to flush yet
    gate.resolve();
    await worker.stop();
    const now = Date.now();
    expect(await t.redis.hgetall(metricsKey(keys, now))).toEqual({
      "GateJob|p": "1",
      "GateJob|ms": expect.stringMatching(/^\d+$/),
    });
    expect((await histogram(histogramKey(keys, "GateJob", now))).reduce((a, b) => a + b, 0)).toBe(
      1,
    );
  });

  it("writes no metrics in Sidekiq 6 mode", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { sidekiqVersion: 6 });
    worker.register("FastJob", () => undefined);
    worker.register("FailJob", () => {
      throw new Error("boom");
    });
    await worker.start();
    await client.pushBulk({ class: "FastJob", args: [[1], [2], [3]] });
    await client.push({ class: "FailJob", args: [], retry: false });
    await waitFor(async () => (await t.redis.get("stat:processed")) === "4", {
      what: "4 processed",
    });
    await worker.stop();
    expect(await metricsKeys()).toEqual([]);
    expect(await t.redis.keys("FastJob-*")).toEqual([]);
    expect(await t.redis.keys("FailJob-*")).toEqual([]);
  });
});
