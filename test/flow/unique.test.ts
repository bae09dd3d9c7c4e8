// Unique jobs on a real Redis: one atomic check-and-push per job over TCP and over REST (through
// the bridge with an enqueue-only token), duplicates refused and counted, locks released per
// `until`, kept through retries, released on death, and expiring after `for`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { ConfigError } from "../../src/core/errors";
import { Keys } from "../../src/core/keys";
import { uniqueDigest, uniqueJobs, uniqueKey } from "../../src/core/unique";
import { type Served, serveFetch } from "../bridge/serve";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";

const t = await useTestRedis();
const TOKEN = "unique-enqueue-token-0123456789abcdef";
const b = bridge({ redis: t.redis, tokens: [{ name: "edge", token: TOKEN, scope: "enqueue" }] });
const served: Served = await serveFetch(b);
afterAll(async () => {
  await served.close();
  await b.close();
});
beforeEach(() => t.flush());

const tcp = new Client({ redis: t.redis, unique: uniqueJobs });
const rest = new Client({ redis: { url: served.url, token: TOKEN }, unique: uniqueJobs });
const keys = new Keys();
const lockOf = async (className: string, args: unknown[], queue = "default") =>
  uniqueKey(keys, await uniqueDigest(className, queue, args));

describe("unique push", () => {
  for (const [name, client] of [
    ["TCP", tcp],
    ["REST through the bridge (enqueue token)", rest],
  ] as const) {
    it(`lands a job once while its lock is held (${name})`, async () => {
      const item = { class: "Sync", args: [7, { x: 1, y: 2 }], unique: { for: 60 } };
      const first = await client.push(item);
      const again = await client.push({ ...item, args: [7, { y: 2, x: 1 }] });
      const other = await client.push({ ...item, args: [8, { x: 1, y: 2 }] });
      expect(first).toMatch(/^[0-9a-f]{24}$/);
      expect(again).toBeNull();
      expect(other).toMatch(/^[0-9a-f]{24}$/);
      const jobs = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j));
      expect(jobs.map((j) => j.jid).sort()).toEqual([first, other].sort());
      expect(jobs[0].unique).toBeUndefined();
      expect(jobs[0].edgekiq_unique).toEqual({
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
        until: "success",
      });
      expect(await t.redis.get("edgekiq:unique:duplicates")).toBe("1");
      const lock = await lockOf("Sync", [7, { x: 1, y: 2 }]);
      expect(await t.redis.get(lock)).toBe(first);
      const ttl = await t.redis.ttl(lock);
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(60);
    });
  }

  it("applies per job in pushBulk, with `by` choosing what makes jobs the same", async () => {
    const Report = defineJob({
      name: "Report",
      queue: "reports",
      unique: { for: 30, by: (args: unknown[]) => args[0] },
    });
    const jids = await tcp.performBulk(Report, [
      ["acme", 1],
      ["acme", 2],
      ["globex", 1],
    ]);
    expect(jids[0]).toBeTruthy();
    expect(jids[1]).toBeNull();
    expect(jids[2]).toBeTruthy();
    expect(await t.redis.llen("queue:reports")).toBe(2);
    expect(await t.redis.smembers("queues")).toEqual(["reports"]);
  });

  it("locks a scheduled job at push time, for its wait plus `for`", async () => {
    const at = Date.now() / 1000 + 600;
    const jid = await rest.push({ class: "Later", args: [1], at, unique: { for: 60 } });
    expect(await rest.push({ class: "Later", args: [1], unique: { for: 60 } })).toBeNull();
    expect(await t.redis.zcard("schedule")).toBe(1);
    const lock = await lockOf("Later", [1]);
    expect(await t.redis.get(lock)).toBe(jid);
    expect(await t.redis.ttl(lock)).toBeGreaterThan(600);
  });

  it("lets the lock expire after `for` seconds", async () => {
    expect(await tcp.push({ class: "Brief", args: [], unique: { for: 1 } })).toBeTruthy();
    expect(await tcp.push({ class: "Brief", args: [], unique: { for: 1 } })).toBeNull();
    await waitFor(async () => (await t.redis.exists(await lockOf("Brief", []))) === 0, {
      what: "lock expiry",
    });
    expect(await tcp.push({ class: "Brief", args: [], unique: { for: 1 } })).toBeTruthy();
    expect(await t.redis.llen("queue:default")).toBe(2);
  });

  it("says what is missing when the client has no unique writer, and checks the options", async () => {
    const plain = new Client({ redis: t.redis });
    await expect(plain.push({ class: "X", args: [], unique: { for: 5 } })).rejects.toThrow(
      ConfigError,
    );
    await expect(tcp.push({ class: "X", args: [], unique: { for: 0 } })).rejects.toThrow(
      /unique\.for must be a positive/,
    );
    await expect(
      tcp.push({ class: "X", args: [], unique: { for: 5, until: "never" as "start" } }),
    ).rejects.toThrow(/until must be "start" or "success"/);
    expect(await t.redis.llen("queue:default")).toBe(0);
  });

  it("200 concurrent pushes from 4 processes (2 over TCP, 2 over REST) land exactly one job", async () => {
    const script = fileURLToPath(new URL("./fixtures/unique-pusher.ts", import.meta.url));
    const children = [0, 1, 2, 3].map((i) =>
      spawn(process.execPath, ["--import", "tsx", script], {
        env: {
          ...process.env,
          PUSHES: "50",
          REDIS_URL: t.url,
          ...(i % 2 === 1 ? { BRIDGE_URL: served.url, BRIDGE_TOKEN: TOKEN } : {}),
        },
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const outputs = children.map(
      (c) =>
        new Promise<number>((resolve, reject) => {
          let out = "";
          c.stdout!.on("data", (d) => {
            out += d;
          });
          c.on("exit", (code) =>
            code === 0 ? resolve(Number(out.trim())) : reject(new Error(`exit ${code}`)),
          );
        }),
    );
    // Every child connects and imports first; then all push at once.
    await new Promise((r) => setTimeout(r, 3000));
    for (const c of children) c.stdin!.end("go\n");
    const landed = await Promise.all(outputs);
    expect(landed.reduce((a, n) => a + n, 0)).toBe(1);
    expect(await t.redis.llen("queue:default")).toBe(1);
    expect(await t.redis.get("edgekiq:unique:duplicates")).toBe("199");
  }, 60_000);
});

describe("the worker releases unique locks", () => {
  it("on success (the default), not before", async () => {
    const lock = await lockOf("Succeed", [1]);
    const seen: (string | null)[] = [];
    const worker = testWorker(t.redis);
    worker.register("Succeed", async () => {
      seen.push(await t.redis.get(lock));
    });
    const jid = await tcp.push({ class: "Succeed", args: [1], unique: { for: 60 } });
    await worker.start();
    await waitFor(async () => seen.length === 1 && (await t.redis.exists(lock)) === 0, {
      what: "release on success",
    });
    expect(seen).toEqual([jid]);
    expect(await tcp.push({ class: "Succeed", args: [1], unique: { for: 60 } })).toBeTruthy();
  });

  it('at start with until: "start"', async () => {
    const lock = await lockOf("Starter", [1]);
    const seen: number[] = [];
    const worker = testWorker(t.redis);
    worker.register("Starter", async () => {
      seen.push(await t.redis.exists(lock));
    });
    await tcp.push({ class: "Starter", args: [1], unique: { for: 60, until: "start" } });
    await worker.start();
    await waitFor(() => seen.length === 1, { what: "run" });
    expect(seen).toEqual([0]);
  });

  it("keeps the lock through a retry and releases it when the job dies", async () => {
    const lock = await lockOf("Flaky", [1]);
    const worker = testWorker(t.redis);
    let runs = 0;
    worker.register("Flaky", () => {
      runs++;
      throw new Error("boom");
    });
    const jid = await tcp.push({ class: "Flaky", args: [1], unique: { for: 60 }, retry: 1 });
    await worker.start();
    await waitFor(async () => (await t.redis.zcard("retry")) === 1, { what: "retry" });
    expect(await t.redis.get(lock)).toBe(jid);
    // Make the retry due now; it fails again and dies.
    const [member] = await t.redis.zrange("retry", "0", "0");
    await t.redis.zadd("retry", 0, member!);
    await waitFor(async () => (await t.redis.zcard("dead")) === 1, { what: "death" });
    await waitFor(async () => (await t.redis.exists(lock)) === 0, { what: "release on death" });
    expect(runs).toBe(2);
  });

  it("does not release a lock a newer push took after the old one expired", async () => {
    const lock = await lockOf("Slow", [1]);
    await tcp.push({ class: "Slow", args: [1], unique: { for: 60 } });
    // The old lock expired and another push took it.
    await t.redis.set(lock, "newer-jid", "EX", 60);
    const worker = testWorker(t.redis);
    let ran = false;
    worker.register("Slow", () => {
      ran = true;
    });
    await worker.start();
    await waitFor(() => ran, { what: "run" });
    await worker.stop();
    expect(await t.redis.get(lock)).toBe("newer-jid");
  });
});
