// Fleet-wide job events on a real Redis: a listener in another process sees every completed and
// failed event of a 10,000-job drain; with nobody listening the stream stays within its bound;
// a worker without `events` writes no stream at all.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { subscribeEvents } from "../../src/worker/job-events";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const LISTENER = fileURLToPath(new URL("./fixtures/event-listener.ts", import.meta.url));
beforeEach(() => t.flush());

async function pushJobs(n: number, failEvery = 0): Promise<void> {
  const args = Array.from({ length: n }, (_, i) => [
    failEvery && i % failEvery === 0 ? "fail" : "ok",
  ]);
  await client.pushBulk({ class: "Ev", args, retry: false });
}

const handler = async (args: unknown[]) => {
  if (args[0] === "fail") throw new Error("boom");
};

describe("job events", () => {
  it("a listener in another process sees every completed and failed event of a 10,000-job drain", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", LISTENER], {
      env: { ...process.env, REDIS_URL: t.url, COMPLETED: "9900", FAILED: "100" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await waitFor(() => out.includes("READY"), { what: "the listener", timeoutMs: 20_000 });
      await pushJobs(10_000, 100);
      const w = testWorker(t.redis, { concurrency: 50, events: true, scheduler: false });
      w.register("Ev", handler);
      await w.start();
      expect(await exited).toBe(0);
      const counts = JSON.parse(out.trim().split("\n").at(-1)!);
      expect(counts).toEqual({ completed: 9900, failed: 100, died: 100 });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 120_000);

  it("with nobody listening, the stream stays within its bound", async () => {
    await pushJobs(5_000);
    const w = testWorker(t.redis, { concurrency: 50, events: { maxLen: 1000 }, scheduler: false });
    w.register("Ev", handler);
    await w.start();
    // Every job fetched and none running, and the stream full: the writes kept coming past it.
    const drained = async () =>
      (await t.redis.llen("queue:default")) === 0 &&
      w.busy === 0 &&
      (await t.redis.get("stat:processed")) !== null &&
      Number(await t.redis.get("stat:processed")) >= 5000;
    await waitFor(drained, {
      what: "the drain",
      timeoutMs: 60_000,
    });
    await w.stop();
    const len = await t.redis.xlen("edgekiq:events");
    // MAXLEN ~ trims whole stream nodes (100 entries each by default): never more than one over.
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThanOrEqual(1100);
  }, 90_000);

  it("progress and failures carry their values; a worker without events writes no stream", async () => {
    const plain = testWorker(t.redis, { scheduler: false });
    plain.register("Ev", handler);
    await plain.start();
    await pushJobs(10, 5);
    await waitFor(async () => (await t.redis.get("stat:processed")) === "10", { what: "10 jobs" });
    await plain.stop();
    expect(await t.redis.exists("edgekiq:events")).toBe(0);

    const seen: unknown[] = [];
    const sub = subscribeEvents({
      redis: t.redis,
      blockSeconds: 0.2,
      onEvent: (e) => {
        seen.push({ event: e.event, class: e.class, value: e.value, error: e.error_message });
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    const w = testWorker(t.redis, { events: true, scheduler: false });
    w.register("Steps", async (_args, ctx) => {
      await ctx.progress(50);
      throw new Error("half way");
    });
    await w.start();
    await client.push({ class: "Steps", args: [], retry: 1 });
    await waitFor(() => seen.length >= 3, { what: "3 events" });
    await sub.close();
    expect(seen).toEqual([
      { event: "progress", class: "Steps", value: 50, error: undefined },
      { event: "failed", class: "Steps", value: undefined, error: "half way" },
      { event: "retried", class: "Steps", value: undefined, error: "half way" },
    ]);
  });
});
