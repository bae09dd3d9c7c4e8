// Sidekiq 7 job metrics without Redis: the histogram bucket of a run time, what a flush writes
// (keys, field names, which fields, TTLs), take/restore across a failed flush, and that records of
// idle classes are dropped.
import { describe, expect, it } from "vitest";
import { HISTOGRAM_BOUNDS_MS, Keys } from "../../../src/core/keys";
import { bucketIndex, MetricsTracker, metricsCommands } from "../../../src/worker/metrics";

// 2026-11-29 01:54:30 UTC: hour and minute unpadded in the hash key, hour padded in the histogram's.
const NOW = Date.UTC(2026, 10, 29, 1, 54, 30);
const keys = new Keys();

describe("bucketIndex", () => {
  it("is the first bucket whose bound is above the time", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(19)).toBe(0);
    expect(bucketIndex(20)).toBe(1); // bounds are exclusive
    expect(bucketIndex(280)).toBe(7); // Sidekiq's comment: 280 ms → bucket[7]
    expect(bucketIndex(6000)).toBe(15); // [LIVE] a 6000 ms job incremented #15
    expect(bucketIndex(334_999)).toBe(24);
    expect(bucketIndex(335_000)).toBe(25);
    expect(bucketIndex(10 * 3600_000)).toBe(25);
  });

  it("puts a time just under each bound in that bound's bucket", () => {
    HISTOGRAM_BOUNDS_MS.slice(0, -1).forEach((bound, i) => {
      expect(bucketIndex(bound - 1)).toBe(i);
      expect(bucketIndex(bound)).toBe(i + 1);
    });
  });
});

describe("MetricsTracker", () => {
  it("counts runs and failures, and time and buckets of successful runs only", () => {
    const t = new MetricsTracker();
    t.record("HardJob", 10, false);
    t.record("HardJob", 25, false);
    t.record("HardJob", 9000, true);
    t.record("FailJob", 5, true);
    const taken = t.take();
    expect(taken.map((c) => [c.className, c.processed, c.failed, c.ms])).toEqual([
      ["HardJob", 3, 1, 35],
      ["FailJob", 1, 1, 0],
    ]);
    const hard = taken[0]!.histogram;
    expect(hard).toHaveLength(26);
    expect(hard[0]).toBe(1);
    expect(hard[1]).toBe(1);
    expect(hard.reduce((a, b) => a + b, 0)).toBe(2);
    expect(taken[1]!.histogram.every((n) => n === 0)).toBe(true);
  });

  it("zeroes on take, keeps what was taken intact, and drops classes idle for a whole flush", () => {
    const t = new MetricsTracker();
    t.record("A", 50, false);
    t.record("B", 50, false);
    const first = t.take();
    t.record("A", 70, false);
    const second = t.take();
    expect(first.map((c) => [c.className, c.processed, c.ms])).toEqual([
      ["A", 1, 50],
      ["B", 1, 50],
    ]);
    expect(first[0]!.histogram[3]).toBe(1); // 50 ms < 65 (#3)
    // B ran nothing since the first take: not reported, and its record is gone.
    expect(second.map((c) => [c.className, c.processed, c.ms])).toEqual([["A", 1, 70]]);
    expect(second[0]!.histogram[3]).toBe(0);
    expect(second[0]!.histogram[4]).toBe(1); // 70 ms < 100 (#4)
    expect(t.take()).toEqual([]); // A idle now too
    expect(t.take()).toEqual([]);
    t.record("B", 1, true);
    expect(t.take().map((c) => [c.className, c.processed, c.failed])).toEqual([["B", 1, 1]]);
  });

  it("restores taken numbers after a failed flush, added to what ran meanwhile", () => {
    const t = new MetricsTracker();
    t.record("A", 10, false);
    t.record("A", 10, true);
    t.record("Gone", 3000, false);
    const failedFlush = t.take();
    t.record("A", 200, false);
    t.take(); // a take in between drops Gone's idle record; restore must bring it back
    t.restore(failedFlush);
    const next = t.take();
    expect(next.map((c) => [c.className, c.processed, c.failed, c.ms])).toEqual([
      ["A", 2, 1, 10],
      ["Gone", 1, 0, 3000],
    ]);
    expect(next[1]!.histogram[13]).toBe(1); // 3000 ms < 3800
    t.record("A", 200, false);
    t.restore(next);
    const merged = t.take();
    expect(merged.map((c) => [c.className, c.processed, c.failed, c.ms])).toEqual([
      ["A", 3, 1, 210],
      ["Gone", 1, 0, 3000],
    ]);
    expect(merged[0]!.histogram[0]).toBe(1);
    expect(merged[0]!.histogram[6]).toBe(1); // 200 ms < 225
  });
});

describe("metricsCommands", () => {
  it("writes Sidekiq 7's fields into the beat's minute, with 8 h TTLs", () => {
    const t = new MetricsTracker();
    for (let i = 0; i < 4; i++) t.record("HardJob", 0, false);
    t.record("FailJob", 12, true);
    t.record("SleepJob", 6000, false);
    t.record("SleepJob", 6001, false);
    expect(metricsCommands(keys, t.take(), NOW)).toEqual([
      ["hincrby", "j|20261129|1:54", "HardJob|p", 4],
      // A successful run writes `|ms` even at 0 ms, as Sidekiq ([LIVE] HardJob|ms=0).
      ["hincrby", "j|20261129|1:54", "HardJob|ms", 0],
      ["hincrby", "j|20261129|1:54", "FailJob|p", 1],
      ["hincrby", "j|20261129|1:54", "FailJob|f", 1],
      ["hincrby", "j|20261129|1:54", "SleepJob|p", 2],
      ["hincrby", "j|20261129|1:54", "SleepJob|ms", 12001],
      ["expire", "j|20261129|1:54", 28800],
      ["bitfield", "HardJob-29-01:54", "OVERFLOW", "SAT", "INCRBY", "u16", "#0", 4],
      ["expire", "HardJob-29-01:54", 28800],
      ["bitfield", "SleepJob-29-01:54", "OVERFLOW", "SAT", "INCRBY", "u16", "#15", 2],
      ["expire", "SleepJob-29-01:54", 28800],
    ]);
  });

  it("lists every non-empty bucket of a class in one BITFIELD, and prefixes a namespace", () => {
    const t = new MetricsTracker();
    t.record("Mixed", 1, false);
    t.record("Mixed", 400, false);
    t.record("Mixed", 400, false);
    t.record("Mixed", 1e9, false);
    const cmds = metricsCommands(new Keys("ns"), t.take(), Date.UTC(2026, 0, 5, 23, 7));
    expect(cmds[0]).toEqual(["hincrby", "ns:j|20260105|23:7", "Mixed|p", 4]);
    expect(cmds).toContainEqual([
      "bitfield",
      "ns:Mixed-05-23:7",
      "OVERFLOW",
      "SAT",
      "INCRBY",
      "u16",
      "#0",
      1,
      "INCRBY",
      "u16",
      "#8",
      2,
      "INCRBY",
      "u16",
      "#25",
      1,
    ]);
  });

  it("writes nothing when nothing ran", () => {
    expect(metricsCommands(keys, new MetricsTracker().take(), NOW)).toEqual([]);
  });
});
