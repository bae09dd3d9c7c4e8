// The API's view of flow control on a real Redis: unique locks (count, a job's lock, refused
// pushes) and limiter states (kind, limit, in use, over-limit count); and a worker killed with -9
// mid-job leaves its unique lock to expire after `for` instead of holding it forever.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { limiterStates, UniqueLocks } from "../../src/api/flow";
import { Client } from "../../src/core/client";
import { uniqueJobs } from "../../src/core/unique";
import { fromIoredis } from "../../src/redis/tcp";
import { Limiter } from "../../src/worker/limiter";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../integration/worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis, unique: uniqueJobs });
const api = { redis: t.redis };

describe("flow-control states in edgekiq/api", () => {
  it("counts unique locks and refused pushes, and finds a job's lock", async () => {
    await t.flush();
    const jid = await client.push({ class: "U", args: [1], unique: { for: 60 } });
    await client.push({ class: "U", args: [2], unique: { for: 60 } });
    await client.push({ class: "U", args: [1], unique: { for: 60 } });
    const locks = new UniqueLocks(api);
    expect(await locks.count()).toBe(2);
    expect(await locks.duplicates()).toBe(1);
    const [stored] = (await t.redis.lrange("queue:default", -1, -1)) as string[];
    const info = await locks.forJob(stored!);
    expect(info?.holder).toBe(jid);
    expect(info?.ttl).toBeGreaterThan(50);
    expect(await locks.forJob({ class: "Plain", args: [] })).toBeUndefined();
  });

  it("lists limiters with their kind, limit, use and refusals", async () => {
    await t.flush();
    const redis = fromIoredis(t.redis);
    const conc = Limiter.concurrent("api-conc", 2, { redis, waitTimeout: 0 });
    const win = Limiter.window("api-win", 3, 60, { redis, waitTimeout: 0 });
    let release!: () => void;
    const held = conc.within(() => new Promise<void>((r) => (release = r)));
    await waitFor(() => release !== undefined, { what: "lease" });
    for (let i = 0; i < 4; i++) await win.within(() => 1).catch(() => undefined);
    const states = await limiterStates(api);
    expect(states).toEqual([
      { name: "api-conc", kind: "concurrent", limit: 2, seconds: 300, inUse: 1, overLimit: 0 },
      { name: "api-win", kind: "window", limit: 3, seconds: 60, inUse: 3, overLimit: 1 },
    ]);
    release();
    await held;
  });
});

describe("a worker killed with -9 mid-job", () => {
  it("leaves the unique lock to expire after `for`", async () => {
    await t.flush();
    const script = fileURLToPath(
      new URL("../integration/fixtures/worker-child.ts", import.meta.url),
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, REDIS_URL: t.url },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const jid = await client.push({ class: "HangJob", args: [], unique: { for: 2 } });
    await waitFor(async () => (await t.redis.lrange("started", 0, -1)).includes(jid!), {
      what: "job started",
    });
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const locks = new UniqueLocks(api);
    const [inProgress] = await t.redis.smembers("edgekiq:inprogress");
    expect(inProgress).toBeTruthy();
    expect(await locks.count()).toBe(1);
    // Nothing releases it; the TTL does.
    await waitFor(async () => (await locks.count()) === 0, {
      what: "lock expiry",
      timeoutMs: 5000,
    });
    expect(await client.push({ class: "HangJob", args: [], unique: { for: 2 } })).toBeTruthy();
  }, 20_000);
});
