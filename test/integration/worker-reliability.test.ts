// Reliable fetch on a real Redis: a `kill -9` of a worker with jobs in flight loses nothing (a new
// worker finishes every job after orphan recovery); recovery happens exactly once however many
// workers race; a graceful stop requeues unfinished jobs at the front with their exact strings.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { Keys } from "../../src/core/keys";
import { fromIoredis } from "../../src/redis/tcp";
import { indexMember, recoverOrphanLists } from "../../src/worker/orphans";
import { useTestRedis } from "../helpers/redis";
import { deferred, testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const keys = new Keys();
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function startChild(
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; identity: string }> {
  const script = fileURLToPath(new URL("./fixtures/worker-child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, REDIS_URL: t.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve({ child, identity: line! });
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("exit", (code) => reject(new Error(`worker child exited with ${code}: ${err}`)));
  });
}

describe("reliable fetch", () => {
  it("kill -9 with jobs in flight: a new worker finishes every job", async () => {
    await t.flush();
    const { child, identity } = await startChild({ CONCURRENCY: "5" });
    const hang = await client.pushBulk({
      class: "HangJob",
      args: Array.from({ length: 5 }, (_, i) => [i]),
    });
    await waitFor(async () => (await t.redis.llen("started")) === 5, { what: "5 started" });
    const quick = await client.pushBulk({
      class: "QuickJob",
      args: Array.from({ length: 20 }, (_, i) => [i]),
    });
    // All 5 slots hang: quick jobs wait in the queue (the child fetched only free slots).
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const inProgress = keys.inProgress(identity, "default");
    expect(await t.redis.llen(inProgress)).toBe(5);
    expect(await t.redis.sismember(keys.inProgressIndex, indexMember(identity, "default"))).toBe(1);
    expect((await t.redis.llen("queue:default")) + (await t.redis.llen("done"))).toBe(20);

    // The dead process's heartbeat would expire within 60 s; expire it now.
    await t.redis.del(identity);
    const finished = new Set<string>();
    const worker = testWorker(t.redis, { concurrency: 10 });
    worker.register("HangJob", (_a, ctx) => void finished.add(ctx.jid));
    worker.register("QuickJob", async (_a, ctx) => {
      await t.redis.rpush("done", ctx.jid);
    });
    await worker.start();
    await waitFor(() => finished.size === 5, { what: "the 5 in-flight jobs" });
    await waitFor(async () => new Set(await t.redis.lrange("done", 0, -1)).size === 20, {
      what: "20 quick",
    });
    expect([...finished].sort()).toEqual([...(hang as string[])].sort());
    expect(new Set(await t.redis.lrange("done", 0, -1))).toEqual(new Set(quick));
    expect(await t.redis.exists(inProgress)).toBe(0);
    expect(await t.redis.sismember(keys.inProgressIndex, indexMember(identity, "default"))).toBe(0);
  });

  it("orphan recovery happens exactly once however many workers race, and spares live owners", async () => {
    await t.flush();
    const dead = "deadhost:1:aaaaaaaaaaaa";
    const alive = "livehost:2:bbbbbbbbbbbb";
    const jobs = Array.from(
      { length: 500 },
      (_, i) => `{"class":"X","args":[${i}],"jid":"j${i}","queue":"default"}`,
    );
    // LMOVE RIGHT->LEFT order: the in-progress list holds the newest on the left.
    await t.redis.lpush(keys.inProgress(dead, "default"), ...jobs);
    await t.redis.lpush(keys.inProgress(alive, "default"), "alive-job");
    await t.redis.hset(alive, "info", "{}");
    await t.redis.sadd(
      keys.inProgressIndex,
      indexMember(dead, "default"),
      indexMember(alive, "default"),
    );
    const racers = Array.from({ length: 5 }, () => fromIoredis(t.connect()));
    const moved = await Promise.all(racers.map((r) => recoverOrphanLists(r, keys)));
    expect(moved.reduce((a, b) => a + b, 0)).toBe(500);
    const queue = await t.redis.lrange("queue:default", 0, -1);
    expect(queue).toHaveLength(500);
    // Original order: the first fetched (j0, rightmost in the list) is the next to be popped.
    expect(await t.redis.rpop("queue:default")).toBe(jobs[0]);
    expect(await t.redis.lrange(keys.inProgress(alive, "default"), 0, -1)).toEqual(["alive-job"]);
    expect(await t.redis.smembers(keys.inProgressIndex)).toEqual([indexMember(alive, "default")]);
  });

  it("graceful stop waits for running jobs", async () => {
    await t.flush();
    const gate = deferred();
    let finished = false;
    const worker = testWorker(t.redis, { shutdownTimeout: 5 });
    worker.register("SlowJob", async () => {
      await gate.promise;
      finished = true;
    });
    await worker.start();
    await client.push({ class: "SlowJob", args: [] });
    await waitFor(() => worker.busy === 1);
    const stopping = worker.stop();
    setTimeout(() => gate.resolve(), 200);
    await stopping;
    expect(finished).toBe(true);
    expect(await t.redis.llen("queue:default")).toBe(0);
    expect(await t.redis.exists(keys.inProgress(worker.identity, "default"))).toBe(0);
    expect(await t.redis.sismember("processes", worker.identity)).toBe(0);
  });

  it("stop after shutdownTimeout aborts handlers and requeues the exact strings at the front", async () => {
    await t.flush();
    const reasons: string[] = [];
    const worker = testWorker(t.redis, { shutdownTimeout: 0.3, concurrency: 2 });
    worker.register("StuckJob", (_a, ctx) => {
      ctx.signal.addEventListener("abort", () => reasons.push((ctx.signal.reason as Error).name));
      return new Promise(() => undefined);
    });
    const stuck = [
      '{"retry":true,"queue":"default","class":"StuckJob","args":[12345678901234567890],"jid":"s1","enqueued_at":1.0}',
      '{"retry":true,"queue":"default","class":"StuckJob","args":[3.0],"jid":"s2","enqueued_at":2.0}',
    ];
    // Queue (left to right): waiting, s1, s2; s2 is popped first, then s1; "waiting" stays.
    const waiting = '{"class":"Other","args":[],"jid":"waiting","queue":"default"}';
    await t.redis.rpush("queue:default", waiting, ...stuck);
    await worker.start();
    await waitFor(() => worker.busy === 2, { what: "2 stuck" });
    await worker.stop();
    expect(reasons).toEqual(["ShutdownError", "ShutdownError"]);
    const queue = await t.redis.lrange("queue:default", 0, -1);
    expect(queue).toHaveLength(3);
    // Back at the front (right end) in their original order, with their original bytes.
    expect(queue).toEqual([waiting, ...stuck]);
    expect(await t.redis.exists(keys.inProgress(worker.identity, "default"))).toBe(0);
    expect(await t.redis.zcard("retry")).toBe(0);
  });
});
