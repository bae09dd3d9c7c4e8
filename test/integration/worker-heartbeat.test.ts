// Heartbeat on a real Redis: the processes set, the process hash with every Sidekiq field and
// its TTL, the work hash (7.x `:work` / 6.4 `:workers`), stat counters with dated keys, remote
// signals (TSTP quiets, TERM stops, TTIN dumps) and cleanup on stop.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { statDate } from "../../src/core/keys";
import type { Platform } from "../../src/worker/platform";
import { useTestRedis } from "../helpers/redis";
import { deferred, testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const platform: Platform = {
  hostname: () => "testhost",
  pid: 4242,
  rssKb: () => 12345,
  onSignal: () => () => undefined,
};

describe("heartbeat", () => {
  it("writes the processes set and the process hash with every field and a 60 s TTL", async () => {
    await t.flush();
    const worker = testWorker(t.redis, {
      platform,
      tag: "app",
      labels: ["ts"],
      concurrency: 3,
      queues: [
        ["critical", 2],
        ["default", 1],
      ],
    });
    await worker.start();
    expect(worker.identity).toMatch(/^testhost:4242:[0-9a-f]{12}$/);
    expect(await t.redis.smembers("processes")).toEqual([worker.identity]);
    const hash = await t.redis.hgetall(worker.identity);
    expect(Object.keys(hash).sort()).toEqual(["beat", "busy", "info", "quiet", "rss", "rtt_us"]);
    expect(hash.busy).toBe("0");
    expect(hash.quiet).toBe("false");
    expect(hash.rss).toBe("12345");
    expect(Number(hash.rtt_us)).toBeGreaterThan(0);
    expect(Math.abs(Number(hash.beat) - Date.now() / 1000)).toBeLessThan(5);
    const info = JSON.parse(hash.info!);
    expect(info).toMatchObject({
      hostname: "testhost",
      pid: 4242,
      tag: "app",
      concurrency: 3,
      queues: ["critical", "default"],
      weights: [{ critical: 2, default: 1 }],
      labels: ["ts"],
      identity: worker.identity,
      embedded: false,
    });
    expect(typeof info.started_at).toBe("number");
    const ttl = await t.redis.ttl(worker.identity);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("publishes running jobs in the work hash (7.x) with busy, then clears it", async () => {
    await t.flush();
    const gate = deferred();
    const worker = testWorker(t.redis, { platform });
    worker.register("BusyJob", () => gate.promise);
    await worker.start();
    const jid = await client.push({ class: "BusyJob", args: [1] });
    await waitFor(async () => (await t.redis.hget(worker.identity, "busy")) === "1", {
      what: "busy 1",
    });
    const work = await t.redis.hgetall(`${worker.identity}:work`);
    const entries = Object.values(work).map((w) => JSON.parse(w));
    expect(entries).toHaveLength(1);
    expect(entries[0].queue).toBe("default");
    expect(typeof entries[0].payload).toBe("string"); // double-encoded, as Sidekiq
    expect(JSON.parse(entries[0].payload).jid).toBe(jid);
    expect(Number.isInteger(entries[0].run_at)).toBe(true);
    expect(await t.redis.ttl(`${worker.identity}:work`)).toBeGreaterThan(50);
    gate.resolve();
    await waitFor(async () => (await t.redis.hget(worker.identity, "busy")) === "0");
    expect(await t.redis.exists(`${worker.identity}:work`)).toBe(0);
  });

  it("writes `<id>:workers` for Sidekiq 6 readers, without 7.x-only info fields", async () => {
    await t.flush();
    const gate = deferred();
    const worker = testWorker(t.redis, { platform, sidekiqVersion: 6 });
    worker.register("BusyJob", () => gate.promise);
    await worker.start();
    await client.push({ class: "BusyJob", args: [] });
    await waitFor(async () => (await t.redis.hlen(`${worker.identity}:workers`)) === 1);
    expect(await t.redis.exists(`${worker.identity}:work`)).toBe(0);
    const info = JSON.parse((await t.redis.hget(worker.identity, "info"))!);
    expect(info.weights).toBeUndefined();
    expect(info.version).toBeUndefined();
    gate.resolve();
  });

  it("flushes processed/failed counters with dated keys (5-year TTL) on the heartbeat", async () => {
    await t.flush();
    const worker = testWorker(t.redis);
    worker.register("OkJob", () => undefined);
    worker.register("BadJob", () => {
      throw new Error("x");
    });
    await worker.start();
    await client.pushBulk({ class: "OkJob", args: [[1], [2], [3]] });
    await client.push({ class: "BadJob", args: [], retry: false });
    const date = statDate(Date.now());
    await waitFor(async () => (await t.redis.get("stat:processed")) === "4", {
      what: "processed 4",
    });
    await waitFor(async () => (await t.redis.get("stat:failed")) === "1");
    expect(await t.redis.get(`stat:processed:${date}`)).toBe("4");
    expect(await t.redis.get(`stat:failed:${date}`)).toBe("1");
    const ttl = await t.redis.ttl(`stat:processed:${date}`);
    expect(ttl).toBeGreaterThan(157680000 - 100);
  });

  it("remote TSTP quiets, TTIN dumps, TERM stops and cleans up", async () => {
    await t.flush();
    const gate = deferred();
    const worker = testWorker(t.redis, { platform });
    const signals: string[] = [];
    worker.on("signal", (s) => signals.push(`${s.name}:${s.remote}`));
    const dumps: number[] = [];
    worker.on("dump", (jobs) => dumps.push(jobs.length));
    worker.register("BusyJob", () => gate.promise);
    worker.register("LaterJob", () => undefined);
    await worker.start();
    await client.push({ class: "BusyJob", args: [] });
    await waitFor(() => worker.busy === 1);
    // What Sidekiq::Process#dump_threads / #quiet! / #stop! send.
    await t.redis
      .multi()
      .lpush(`${worker.identity}-signals`, "TTIN")
      .expire(`${worker.identity}-signals`, 60)
      .exec();
    await waitFor(() => dumps.length === 1, { what: "TTIN" });
    expect(dumps).toEqual([1]);
    await t.redis.lpush(`${worker.identity}-signals`, "TSTP");
    await waitFor(async () => (await t.redis.hget(worker.identity, "quiet")) === "true", {
      what: "quiet",
    });
    expect(worker.state).toBe("quiet");
    // Quiet: new jobs are not fetched.
    await client.push({ class: "LaterJob", args: [] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await t.redis.llen("queue:default")).toBe(1);
    await t.redis.lpush(`${worker.identity}-signals`, "TERM");
    await waitFor(() => worker.state === "stopping", { what: "stopping" });
    gate.resolve();
    await worker.stopped;
    expect(signals).toEqual(["TTIN:true", "TSTP:true", "TERM:true"]);
    expect(await t.redis.sismember("processes", worker.identity)).toBe(0);
    expect(await t.redis.exists(`${worker.identity}:work`)).toBe(0);
    expect(await t.redis.exists(worker.identity)).toBe(0);
  });

  it("local platform signals drive quiet and stop", async () => {
    await t.flush();
    const handlers = new Map<string, () => void>();
    const worker = testWorker(t.redis, {
      handleSignals: true,
      platform: {
        ...platform,
        onSignal: (name, fn) => {
          handlers.set(name, fn);
          return () => handlers.delete(name);
        },
      },
    });
    await worker.start();
    expect([...handlers.keys()].sort()).toEqual(["INT", "TERM", "TSTP", "TTIN"]);
    handlers.get("TSTP")!();
    await waitFor(() => worker.state === "quiet");
    handlers.get("TERM")!();
    await worker.stopped;
    expect(worker.state).toBe("stopped");
    expect(handlers.size).toBe(0); // unsubscribed
  });

  it("re-registers its in-progress lists on every beat (after an outage let others recover them)", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { platform });
    await worker.start();
    const { indexMember } = await import("../../src/worker/orphans");
    const member = indexMember(worker.identity, "default");
    expect(await t.redis.sismember("edgekiq:inprogress", member)).toBe(1);
    await t.redis.srem("edgekiq:inprogress", member);
    await waitFor(async () => (await t.redis.sismember("edgekiq:inprogress", member)) === 1, {
      what: "re-registered",
    });
  });
});

describe("processes cleanup", () => {
  it("drops processes whose hash expired, at most once a minute across the cluster", async () => {
    await t.flush();
    await t.redis.sadd("processes", "gone-host:1:aaaaaaaaaaaa", "alive-host:2:bbbbbbbbbbbb");
    await t.redis.hset("alive-host:2:bbbbbbbbbbbb", "info", "{}");
    const worker = testWorker(t.redis);
    worker.register("Noop", () => undefined);
    await worker.start();
    await waitFor(async () => !(await t.redis.sismember("processes", "gone-host:1:aaaaaaaaaaaa")), {
      what: "the dead process to be cleaned up",
    });
    expect(await t.redis.sismember("processes", "alive-host:2:bbbbbbbbbbbb")).toBe(1);
    expect(await t.redis.sismember("processes", worker.identity)).toBe(1);
    expect(await t.redis.ttl("process_cleanup")).toBeGreaterThan(50);
    // Within the minute, a second dead entry waits for the next cleanup.
    await t.redis.sadd("processes", "gone-host:3:cccccccccccc");
    await new Promise((r) => setTimeout(r, 1200));
    expect(await t.redis.sismember("processes", "gone-host:3:cccccccccccc")).toBe(1);
  });
});
