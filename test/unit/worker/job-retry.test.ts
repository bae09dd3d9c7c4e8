// Sidekiq's retry maths and fields, without Redis: planFailure with a fixed clock and random.
import { describe, expect, it } from "vitest";
import { Keys } from "../../../src/core/keys";
import {
  backtraceLines,
  errorClassName,
  planFailure,
  type RetryConfig,
  truncateMessage,
} from "../../../src/worker/job-retry";

const NOW = 1_795_917_175_458.855; // ms
const config = (over: Partial<RetryConfig> = {}): RetryConfig => ({
  keys: new Keys(),
  maxRetries: 25,
  timestamps: "seconds",
  sidekiqVersion: 7,
  deathHandlers: [],
  onHookError: () => undefined,
  nowMs: () => NOW,
  random: () => 0.55, // rand(10) = 5
  ...over,
});
const job = (extra = "") =>
  `{"retry":true,"queue":"default","class":"A","args":[1],"jid":"j"${extra}}`;

describe("planFailure", () => {
  it("uses count**4 + 15 + rand(10) * (count + 1) seconds", async () => {
    for (const count of [0, 1, 4, 24]) {
      const prior = count === 0 ? "" : `,"failed_at":1.5,"retry_count":${count - 1}`;
      const plan = await planFailure(
        { json: job(prior), queue: "default", error: new Error("x") },
        config(),
      );
      expect(plan.outcome).toMatchObject({ kind: "retried", count });
      const score = Number(plan.commands[0]![2]);
      expect(score - NOW / 1000).toBeCloseTo(count ** 4 + 15 + 5 * (count + 1), 3);
    }
  });

  it("exhausts at maxRetries: retry_count 24 failing again is the 26th run, and dies", async () => {
    const plan = await planFailure(
      { json: job(',"failed_at":1.5,"retry_count":24'), queue: "default", error: new Error("x") },
      config(),
    );
    expect(plan.outcome.kind).toBe("dead");
    expect(plan.commands.map((c) => c[0])).toEqual(["zadd", "zremrangebyscore", "zremrangebyrank"]);
    expect(plan.commands[0]![1]).toBe("dead");
    expect(plan.commands[1]).toEqual([
      "zremrangebyscore",
      "dead",
      "-inf",
      (NOW / 1000 - 15552000).toString(), // inclusive, as Ruby sends it
    ]);
    expect(plan.commands[2]).toEqual(["zremrangebyrank", "dead", 0, -10000]);
  });

  it("dead: false skips the dead set but still runs death handlers", async () => {
    const deaths: string[] = [];
    const plan = await planFailure(
      { json: job(',"dead":false,"retry":0'), queue: "default", error: new Error("bye") },
      config({ deathHandlers: [(p, e) => void deaths.push(`${p.jid}:${e.message}`)] }),
    );
    expect(plan).toEqual({ outcome: { kind: "dead" }, commands: [] });
    expect(deaths).toEqual(["j:bye"]);
  });

  it("retry_for gives up once failed_at + retry_for has passed (Sidekiq 7.1.3)", async () => {
    const old = `,"retry_for":60,"failed_at":${NOW / 1000 - 120},"retry_count":0`;
    const plan = await planFailure(
      { json: job(old), queue: "default", error: new Error("x") },
      config(),
    );
    expect(plan.outcome.kind).toBe("dead");
  });

  it("writes integer milliseconds in milliseconds mode", async () => {
    const plan = await planFailure(
      { json: job(), queue: "default", error: new Error("x") },
      config({ timestamps: "milliseconds" }),
    );
    expect(String(plan.commands[0]![3])).toContain(`"failed_at":${Math.round(NOW)}`);
  });

  it("a throwing retryIn hook falls back to the default delay and is reported", async () => {
    const errors: string[] = [];
    const plan = await planFailure(
      {
        json: job(),
        queue: "default",
        error: new Error("x"),
        retryIn: () => {
          throw new Error("hook bug");
        },
      },
      config({ onHookError: (e) => void errors.push((e as Error).message) }),
    );
    expect(Number(plan.commands[0]![2]) - NOW / 1000).toBeCloseTo(15 + 5, 3);
    expect(errors).toEqual(["hook bug"]);
  });
});

describe("retry arithmetic stays in Sidekiq's range", () => {
  const fail = (extra: string, over: Partial<RetryConfig> = {}, retryIn?: () => number) =>
    planFailure(
      { json: job(extra), queue: "default", error: new Error("x"), retryIn },
      config(over),
    );
  const written = (plan: Awaited<ReturnType<typeof planFailure>>) => ({
    key: plan.commands[0]![1],
    score: Number(plan.commands[0]![2]),
    job: JSON.parse(String(plan.commands[0]![3])),
  });

  it("retry_count 1e300 with retry: 1e308 dies: a float is not a retry limit, as in Ruby", async () => {
    const plan = await fail(',"retry":1e308,"failed_at":1.5,"retry_count":1e300');
    expect(plan.outcome.kind).toBe("dead");
    const w = written(plan);
    expect(w.key).toBe("dead");
    expect(w.score).toBe(NOW / 1000);
    expect(Number.isSafeInteger(w.job.retry_count)).toBe(true);
  });

  it("retry: 2.5 falls back to the default limit (Ruby's retry.is_a?(Integer))", async () => {
    const plan = await fail(',"retry":2.5,"failed_at":1.5,"retry_count":2');
    expect(plan.outcome).toMatchObject({ kind: "retried", count: 3 });
  });

  it("a count beyond 2^53 (1e400 parses to Infinity) is clamped and dies", async () => {
    const plan = await fail(',"failed_at":1.5,"retry_count":1e400');
    expect(plan.outcome.kind).toBe("dead");
    expect(written(plan).job.retry_count).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("a retry later than any date can hold dies instead of parking at a huge or infinite score", async () => {
    // An integer limit the count stays under, but count**4 is ~1e60 seconds away.
    const huge = await fail(
      `,"retry":${Number.MAX_SAFE_INTEGER},"failed_at":1.5,"retry_count":1e15`,
    );
    expect(huge.outcome.kind).toBe("dead");
    expect(written(huge).score).toBe(NOW / 1000);
    for (const custom of [Number.POSITIVE_INFINITY, 1e300]) {
      const plan = await fail("", {}, () => custom);
      expect(plan.outcome.kind, String(custom)).toBe("dead");
      expect(Number.isFinite(written(plan).score)).toBe(true);
    }
  });

  it("a negative retry_count buys no extra retries: the new count never goes below 0", async () => {
    // -1 is Sidekiq's own "retry now" decrement of a job at 0: the next failure is count 0 again.
    for (const prior of [-1, -100, -1e300]) {
      const plan = await fail(`,"retry":2,"failed_at":1.5,"retry_count":${prior}`);
      expect(plan.outcome, String(prior)).toMatchObject({ kind: "retried", count: 0 });
      const w = written(plan);
      expect(w.job.retry_count).toBe(0);
      expect(w.score - NOW / 1000).toBeCloseTo(15 + 5, 3);
    }
    const none = await fail(',"retry":0,"failed_at":1.5,"retry_count":-100');
    expect(none.outcome.kind).toBe("dead");
  });
});

describe("error fields", () => {
  it("truncates by characters, not UTF-16 units", () => {
    expect(truncateMessage("😀".repeat(10_001))).toBe("😀".repeat(10_000));
    expect(truncateMessage("short")).toBe("short");
  });

  it("names the error by its class", () => {
    class PaymentDeclined extends Error {}
    expect(errorClassName(new PaymentDeclined("x"))).toBe("PaymentDeclined");
    expect(errorClassName(new TypeError("x"))).toBe("TypeError");
  });

  it("takes the stack frames of an error as backtrace lines", () => {
    const lines = backtraceLines(new Error("x"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.startsWith("at "))).toBe(true);
  });
});
