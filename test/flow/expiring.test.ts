// Expiring jobs on a real Redis: `expiresIn` becomes an absolute deadline in the payload; a job
// fetched after it is dropped (never run), logged and counted, and its unique lock freed.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { Keys } from "../../src/core/keys";
import { uniqueDigest, uniqueJobs, uniqueKey } from "../../src/core/unique";
import type { Logger } from "../../src/worker/logger";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis, unique: uniqueJobs });

describe("expiring jobs", () => {
  it("writes the deadline from push time, or from the run time of a scheduled job", async () => {
    await t.flush();
    const Remind = defineJob({ name: "Remind", expiresIn: 30 });
    const before = Date.now() / 1000;
    await client.performAsync(Remind, 1);
    const at = before + 600;
    await client.performAt(at, Remind, 2);
    const [job] = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j));
    expect(job.expiresIn).toBeUndefined();
    expect(job.edgekiq_expires_at).toBeGreaterThanOrEqual(before + 30);
    expect(job.edgekiq_expires_at).toBeLessThan(before + 32);
    const [scheduled] = (await t.redis.zrange("schedule", 0, "-1")).map((j) => JSON.parse(j));
    expect(scheduled.edgekiq_expires_at).toBeCloseTo(at + 30, 3);
  });

  it("never runs a job fetched after its deadline; runs the ones still in time", async () => {
    await t.flush();
    const lock = uniqueKey(new Keys(), await uniqueDigest("Stale", "default", [1]));
    await client.push({ class: "Stale", args: [1], expiresIn: 1, unique: { for: 60 } });
    await client.push({ class: "Fresh", args: [2], expiresIn: 60 });
    await new Promise((r) => setTimeout(r, 1100));
    const ran: string[] = [];
    const lines: [string, Record<string, unknown> | undefined][] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (msg, fields) => lines.push([msg, fields]),
      error() {},
    };
    const worker = testWorker(t.redis, { logger });
    worker.register("Stale", () => {
      ran.push("Stale");
    });
    worker.register("Fresh", () => {
      ran.push("Fresh");
    });
    await worker.start();
    await waitFor(async () => (await t.redis.get("edgekiq:expired")) === "1", {
      what: "expired counter",
    });
    await waitFor(() => ran.length === 1, { what: "fresh job" });
    await worker.stop();
    expect(ran).toEqual(["Fresh"]);
    expect(lines.map(([m, f]) => [m, f?.class])).toContainEqual(["expired", "Stale"]);
    expect(await t.redis.exists(lock)).toBe(0);
    expect(await t.redis.llen("queue:default")).toBe(0);
    expect(await t.redis.llen(worker.keys.inProgress(worker.identity, "default"))).toBe(0);
    expect(await t.redis.zcard("dead")).toBe(0);
  });
});
