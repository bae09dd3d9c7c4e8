// Metrics (Sidekiq 7's Metrics::Query) on a real Redis, over TCP and over REST through the bridge,
// from keys written here byte for byte as Sidekiq 7 writes them (wire spec §1.5, the live-captured
// minute `j|20261129|1:54` and its histogram), so the reader is checked against the format itself
// and not against our own writer. The REST token is read-only: the dashboard's metrics need no more.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ArgumentError, METRICS_PERIODS, Metrics } from "../../src/api";
import { bridge } from "../../src/bridge";
import { HISTOGRAM_BOUNDS_MS } from "../../src/core/keys";
import { fromUpstash } from "../../src/redis/rest";
import { fromIoredis } from "../../src/redis/tcp";
import { serveFetch } from "../bridge/serve";
import { countingRedis } from "../helpers/counting-redis";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const tcp = fromIoredis(t.redis);

const TOKEN = "metrics-rest-read-token-0123456789abcdef";
const b = bridge({ redis: t.redis, tokens: [{ name: "reader", token: TOKEN, scope: "read" }] });
const served = await serveFetch(b);
afterAll(async () => {
  await served.close();
  await b.close();
});
const rest = fromUpstash(
  new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false }),
);

beforeEach(() => t.flush());

/** 2026-11-29 01:54:30 UTC: inside the live-captured minute. */
const NOW = Date.UTC(2026, 10, 29, 1, 54, 30);
const TTL = 28800;

/** `HINCRBY` + `EXPIRE`, as the Sidekiq 7 flush does. */
async function minute(key: string, fields: Record<string, number>) {
  for (const [f, n] of Object.entries(fields)) await t.redis.hincrby(key, f, n);
  await t.redis.expire(key, TTL);
}

/** `BITFIELD key OVERFLOW SAT INCRBY u16 #i n` + `EXPIRE`, as Sidekiq 7's histogram does. */
async function histogram(key: string, buckets: Record<number, number>) {
  const args = Object.entries(buckets).flatMap(([i, n]) => ["INCRBY", "u16", `#${i}`, n]);
  await t.redis.call("BITFIELD", key, "OVERFLOW", "SAT", ...args);
  await t.redis.expire(key, TTL);
}

async function seed() {
  // The live capture (Sidekiq 7.3.10): four HardJobs of 0 ms, one failed FailJob, one 6 s SleepJob.
  await minute("j|20261129|1:54", {
    "HardJob|p": 4,
    "HardJob|ms": 0,
    "FailJob|f": 1,
    "FailJob|p": 1,
    "SleepJob|ms": 6000,
    "SleepJob|p": 1,
  });
  // The live capture's histogram: the 6000 ms run counted in bucket #15 (5750 <= 6000 < 8500).
  await histogram("SleepJob-29-01:54", { 15: 1 });
  // A minute earlier: two more HardJobs, 500 ms in all; a namespaced class with a space in it.
  await minute("j|20261129|1:53", {
    "HardJob|p": 2,
    "HardJob|ms": 500,
    "Admin::Report Job|p": 3,
    "Admin::Report Job|f": 1,
    "Admin::Report Job|ms": 90,
  });
  // Two SleepJob minutes earlier: 12 s and 7 s runs plus a 10 ms one.
  await minute("j|20261129|1:5", { "SleepJob|p": 3, "SleepJob|ms": 19010 });
  await histogram("SleepJob-29-01:5", { 15: 1, 16: 1, 0: 1 });
  // 61 minutes back (00:53): outside the hour, inside two.
  await minute("j|20261129|0:53", { "OldJob|p": 7, "OldJob|ms": 700_000, "SleepJob|p": 1 });
  await histogram("SleepJob-29-00:53", { 25: 1 });
  // A minute after `now`: never read.
  await minute("j|20261129|1:55", { "HardJob|p": 100 });
}

describe.each([
  ["TCP", tcp],
  ["REST", rest],
] as const)("Metrics over %s", (_name, redis) => {
  it("topJobs sums p, f and ms per class over the hour, slowest first, with Sidekiq's average", async () => {
    await seed();
    const top = await new Metrics({ redis }).topJobs({ now: NOW });
    expect(top.minutes).toHaveLength(60);
    expect(top.minutes.at(-1)).toBe(Date.UTC(2026, 10, 29, 1, 54));
    expect(top.startsAt).toBe(Date.UTC(2026, 10, 29, 0, 55));
    expect(top.endsAt).toBe(Date.UTC(2026, 10, 29, 1, 55));
    expect(
      top.jobs.map(({ className, processed, failed, totalMs, avgMs }) => ({
        className,
        processed,
        failed,
        totalMs,
        avgMs,
      })),
    ).toEqual([
      { className: "SleepJob", processed: 4, failed: 0, totalMs: 25010, avgMs: 25010 / 4 },
      { className: "HardJob", processed: 6, failed: 0, totalMs: 500, avgMs: 500 / 6 },
      { className: "Admin::Report Job", processed: 3, failed: 1, totalMs: 90, avgMs: 45 },
      // p = f: nothing succeeded, so the average is 0 rather than a division by zero.
      { className: "FailJob", processed: 1, failed: 1, totalMs: 0, avgMs: 0 },
    ]);
    const hard = top.jobs.find((j) => j.className === "HardJob")!;
    expect(hard.series.processed.slice(-2)).toEqual([2, 4]);
    expect(hard.series.totalMs.slice(-2)).toEqual([500, 0]);
    expect(hard.series.processed.slice(0, -2).every((n) => n === 0)).toBe(true);
    const sleep = top.jobs.find((j) => j.className === "SleepJob")!;
    // 01:05 is the 11th minute of the window that starts at 00:55.
    expect(sleep.series.totalMs[10]).toBe(19010);
  });

  it("reads 2h/4h/8h periods further back, and filters by class", async () => {
    await seed();
    const m = new Metrics({ redis });
    const twoHours = await m.topJobs({ now: NOW, minutes: METRICS_PERIODS["2h"] });
    expect(twoHours.minutes).toHaveLength(120);
    expect(twoHours.jobs[0]).toMatchObject({ className: "OldJob", processed: 7, totalMs: 700_000 });
    expect(twoHours.jobs.find((j) => j.className === "SleepJob")?.processed).toBe(5);
    const hard = await m.topJobs({ now: NOW, classFilter: "hARD" });
    expect(hard.jobs.map((j) => j.className)).toEqual(["HardJob"]);
    const admin = await m.topJobs({ now: NOW, classFilter: "::report j" });
    expect(admin.jobs.map((j) => j.className)).toEqual(["Admin::Report Job"]);
    const re = await m.topJobs({ now: NOW, classFilter: /^(Fail|Sleep)/g });
    expect(re.jobs.map((j) => j.className)).toEqual(["SleepJob", "FailJob"]);
    expect((await m.topJobs({ now: NOW, classFilter: "nope" })).jobs).toEqual([]);
  });

  it("forJob reads one class per minute and sums its histogram from BITFIELD_RO", async () => {
    await seed();
    const d = await new Metrics({ redis }).forJob("SleepJob", { now: NOW });
    expect(d.job).toMatchObject({ processed: 4, failed: 0, totalMs: 25010, avgMs: 25010 / 4 });
    expect(d.job.series.processed.at(-1)).toBe(1);
    expect(d.job.series.totalMs.at(-1)).toBe(6000);
    expect(d.histogram.bounds).toEqual(HISTOGRAM_BOUNDS_MS);
    const expected = new Array(26).fill(0);
    expected[0] = 1;
    expected[15] = 2;
    expected[16] = 1;
    // The #25 run at 00:53 is outside the hour.
    expect(d.histogram.counts).toEqual(expected);
    const eight = await new Metrics({ redis }).forJob("SleepJob", { now: NOW, minutes: 480 });
    expect(eight.job.processed).toBe(5);
    expect(eight.histogram.counts[25]).toBe(1);
  });

  it("a class that never ran reads as zeros; minutes outside 1..480 are refused", async () => {
    await seed();
    const m = new Metrics({ redis });
    const d = await m.forJob("Nope::Job", { now: NOW });
    expect(d.job).toMatchObject({ processed: 0, failed: 0, totalMs: 0, avgMs: 0 });
    expect(d.histogram.counts).toEqual(new Array(26).fill(0));
    await expect(m.topJobs({ minutes: 481 })).rejects.toThrow(ArgumentError);
    await expect(m.forJob("X", { minutes: 0 })).rejects.toThrow(ArgumentError);
    expect((await m.topJobs({ now: Date.UTC(2026, 10, 28, 20) })).jobs).toEqual([]);
  });
});

describe("Metrics keys", () => {
  it("a window across midnight reads the previous day's keys (UTC, unpadded hour and minute)", async () => {
    await minute("j|20261128|23:59", { "LateJob|p": 2, "LateJob|ms": 40 });
    await histogram("LateJob-28-23:59", { 1: 2 });
    await minute("j|20261129|0:0", { "LateJob|p": 1, "LateJob|ms": 10 });
    await histogram("LateJob-29-00:0", { 0: 1 });
    const now = Date.UTC(2026, 10, 29, 0, 0, 5);
    const m = new Metrics({ redis: tcp });
    const [late] = (await m.topJobs({ now })).jobs;
    expect(late).toMatchObject({ className: "LateJob", processed: 3, totalMs: 50 });
    expect(late!.series.processed.slice(-2)).toEqual([2, 1]);
    const d = await m.forJob("LateJob", { now });
    expect(d.histogram.counts.slice(0, 3)).toEqual([1, 2, 0]);
  });

  it("a class name holding '|' keeps everything before the last '|'", async () => {
    await minute("j|20261129|1:54", { "Odd|Job|p": 2, "Odd|Job|ms": 8, "Odd|Job|zz": 5 });
    const { jobs } = await new Metrics({ redis: tcp }).topJobs({ now: NOW });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ className: "Odd|Job", processed: 2, totalMs: 8, avgMs: 4 });
  });

  it("reads one pipeline per query", async () => {
    await seed();
    const counted = countingRedis(tcp);
    const m = new Metrics({ redis: counted });
    await m.topJobs({ now: NOW, minutes: 480 });
    await m.forJob("SleepJob", { now: NOW, minutes: 480 });
    expect(counted.trips.map((r) => [r.kind, r.commands.length])).toEqual([
      ["pipeline", 480],
      ["pipeline", 960],
    ]);
    // The oldest of 480 minutes ending at 01:54 is 17:55 the day before.
    expect(counted.trips[1]!.commands.slice(0, 2)).toEqual([
      ["hmget", "j|20261128|17:55", "SleepJob|ms", "SleepJob|p", "SleepJob|f"],
      [
        "bitfield_ro",
        "SleepJob-28-17:55",
        ...HISTOGRAM_BOUNDS_MS.flatMap((_, i) => ["GET", "u16", `#${i}`]),
      ],
    ]);
  });
});
