// Limiters on a real Redis: a concurrent(…, 3) limiter shared by 3 worker processes never has
// more than 3 jobs inside at once over 300 jobs, and its over-limit jobs are rescheduled (not
// failed) until all run; a window(…, 50, 1 s) never admits more than 50 in a second; bucket and
// leaky admit their rate; leases of a holder that never releases expire after lockTimeout; past
// maxReschedules an over-limit job fails with OverLimitError.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { fromIoredis } from "../../src/redis/tcp";
import { Limiter, OverLimitError } from "../../src/worker/limiter";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const client = new Client({ redis: t.redis });
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

/** The most intervals open at once, from `enter:<ms>` / `exit:<ms>` events (exits first on ties). */
function mostInside(events: string[]): number {
  const parsed = events.map((e) => {
    const [kind, ms] = e.split(":");
    return { ms: Number(ms), d: kind === "enter" ? 1 : -1 };
  });
  parsed.sort((a, b) => a.ms - b.ms || a.d - b.d);
  let inside = 0;
  let most = 0;
  for (const e of parsed) {
    inside += e.d;
    most = Math.max(most, inside);
  }
  return most;
}

describe("concurrent limiter across 3 worker processes", () => {
  it("never has more than 3 inside over 300 jobs; over-limit jobs are rescheduled and all run", async () => {
    await t.flush();
    const script = fileURLToPath(new URL("./fixtures/limited-worker.ts", import.meta.url));
    const started = [0, 1, 2].map(() => {
      const c = spawn(process.execPath, ["--import", "tsx", script], {
        env: { ...process.env, REDIS_URL: t.url },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(c);
      return new Promise<void>((resolve) => c.stdout!.once("data", () => resolve()));
    });
    await Promise.all(started);
    await client.pushBulk({ class: "Limited", args: Array.from({ length: 300 }, (_, i) => [i]) });
    await waitFor(async () => Number(await t.redis.get("ran")) === 300, {
      what: "300 limited jobs",
      timeoutMs: 90_000,
    });
    const exited = children.map((c) => new Promise((r) => c.once("exit", r)));
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(exited);
    const events = await t.redis.lrange("events", 0, -1);
    expect(events).toHaveLength(600);
    expect(mostInside(events)).toBeLessThanOrEqual(3);
    expect(mostInside(events)).toBeGreaterThanOrEqual(2);
    // Rescheduled, never failed.
    expect(Number(await t.redis.get("edgekiq:limiter-over:shared-api"))).toBeGreaterThan(0);
    expect(await t.redis.get("stat:failed")).toBeNull();
    expect(await t.redis.zcard("retry")).toBe(0);
    expect(await t.redis.zcard("dead")).toBe(0);
  }, 120_000);
});

describe("rate limiters", () => {
  it("window(…, 50, 1 s) never admits more than 50 in any second", async () => {
    await t.flush();
    const limiter = Limiter.window("win", 50, 1, { redis, waitTimeout: 10 });
    const spans: { start: number; end: number }[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let k = 0; k < 20; k++) {
          const start = Date.now();
          await limiter.within(() => {
            spans.push({ start, end: Date.now() });
          });
        }
      }),
    );
    expect(spans).toHaveLength(160);
    // Each admission happened (on the Redis clock, the same machine's) inside its [start, end]:
    // any window of 1000 - (longest span) ms over the ends holds admissions of one 1 s window.
    const slack = Math.max(...spans.map((s) => s.end - s.start));
    const length = 1000 - Math.min(slack, 500);
    const ends = spans.map((s) => s.end).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < ends.length; i++) {
      while (ends[i]! - ends[j]! >= length) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(50);
    // It did make callers wait: 160 admissions at 50 a second take more than 2 seconds.
    expect(ends.at(-1)! - spans[0]!.start).toBeGreaterThanOrEqual(2000 - 50);
  }, 30_000);

  it("bucket and leaky refuse past their rate and say OVER_LIMIT", async () => {
    await t.flush();
    for (const limiter of [
      Limiter.bucket("bkt", 5, 60, { redis, waitTimeout: 0 }),
      Limiter.leaky("lky", 5, 60, { redis, waitTimeout: 0 }),
    ]) {
      let admitted = 0;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => limiter.within(() => admitted++)),
      );
      expect(admitted).toBe(5);
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused).toHaveLength(3);
      const reason = (refused[0] as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(OverLimitError);
      expect(reason.code).toBe("OVER_LIMIT");
      expect(await t.redis.get(`edgekiq:limiter-over:${limiter.name}`)).toBe("3");
    }
  });

  it("frees a lease its holder never releases after lockTimeout, and never grants two", async () => {
    await t.flush();
    const held = Limiter.concurrent("lease", 1, { redis, lockTimeout: 1, waitTimeout: 0 });
    let release!: () => void;
    const holder = held.within(() => new Promise<void>((r) => (release = r)));
    await waitFor(() => release !== undefined, { what: "lease" });
    await expect(held.within(() => 1)).rejects.toThrow(OverLimitError);
    const waiting = Limiter.concurrent("lease", 1, { redis, lockTimeout: 1, waitTimeout: 3 });
    const at = Date.now();
    expect(await waiting.within(() => "got it")).toBe("got it");
    expect(Date.now() - at).toBeGreaterThanOrEqual(500);
    release();
    await holder;
  });
});

describe("over-limit jobs in a worker", () => {
  it("fail with OverLimitError once past maxReschedules, without using retries before", async () => {
    await t.flush();
    const blocker = Limiter.concurrent("busy", 1, { redis, lockTimeout: 60, waitTimeout: 0 });
    let release!: () => void;
    const holder = blocker.within(() => new Promise<void>((r) => (release = r)));
    await waitFor(() => release !== undefined, { what: "lease" });
    const Busy = defineJob({ name: "Busy", limits: [blocker] });
    const worker = testWorker(t.redis);
    let ran = 0;
    worker.register(
      Busy,
      () => {
        ran++;
      },
      { maxReschedules: 2, overLimitBackoff: () => 0 },
    );
    const jid = await client.performAsync(Busy);
    await worker.start();
    await waitFor(async () => (await t.redis.zcard("retry")) === 1, { what: "failure" });
    const [job] = (await t.redis.zrange("retry", 0, "-1")).map((j) => JSON.parse(j));
    expect(job.jid).toBe(jid);
    expect(job.error_class).toBe("OverLimitError");
    expect(job.edgekiq_overlimit).toBe(2);
    expect(job.retry_count).toBe(0);
    expect(job.limits).toEqual(["concurrent:busy"]);
    expect(ran).toBe(0);
    release();
    await holder;
  }, 20_000);
});
