// Sidekiq's poll-interval jitter (§6.3) and queue ordering rules, without Redis.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors";
import { parseQueues, shuffleUnique } from "../../../src/worker/queues";
import { initialWait, randomPollInterval } from "../../../src/worker/scheduled";

describe("randomPollInterval", () => {
  const opts = { averageScheduledPollInterval: 5 };
  it("below 10 processes: uniform in [avg/2, 1.5·avg) with avg = count × 5", () => {
    expect(randomPollInterval(2, opts, () => 0)).toBe(5);
    expect(randomPollInterval(2, opts, () => 0.999)).toBeCloseTo(14.99, 2);
    expect(randomPollInterval(0, opts, () => 0.5)).toBe(5); // count floors at 1
  });
  it("from 10 processes: uniform in [0, avg)", () => {
    expect(randomPollInterval(10, opts, () => 0)).toBe(0);
    expect(randomPollInterval(10, opts, () => 0.5)).toBe(25);
  });
  it("a fixed pollIntervalAverage overrides the process count", () => {
    expect(randomPollInterval(50, { ...opts, pollIntervalAverage: 2 }, () => 0.5)).toBe(1);
  });
  it("initial wait: 10 + 5·rand, or a short jitter when the average is fixed", () => {
    expect(initialWait(undefined, () => 1)).toBe(15);
    expect(initialWait(0.2, () => 0.5)).toBeCloseTo(0.1);
  });
});

describe("parseQueues", () => {
  it("strict when no weights: de-duplicated, in order; 'default' when empty", () => {
    const q = parseQueues(["a", "b", "a"]);
    expect(q.mode).toBe("strict");
    expect(q.names).toEqual(["a", "b"]);
    expect(q.order()).toEqual([0, 1]);
    expect(parseQueues(undefined).names).toEqual(["default"]);
  });
  it("weighted: each order holds every queue once", () => {
    const q = parseQueues([
      ["a", 5],
      ["b", 1],
      ["c", 0],
    ]);
    expect(q.mode).toBe("weighted");
    expect(q.weights).toEqual({ a: 5, b: 1, c: 0 });
    for (let i = 0; i < 50; i++) expect([...q.order()].sort()).toEqual([0, 1, 2]);
    expect(shuffleUnique([1, 1, 1])).toEqual([1]);
  });
  it("rejects bad names and weights with a clear message", () => {
    expect(() => parseQueues([""])).toThrow(ConfigError);
    expect(() => parseQueues([["a", -1]])).toThrow(/weight of "a"/);
  });
});
