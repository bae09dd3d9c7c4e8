// Redis faults under a running `edgekiq worker` CLI process: an AOF redis-server restarted (and
// one killed -9 with appendfsync always) while a queue drains, a worker started before Redis is
// up, and a slow Redis (delays injected by a TCP proxy between worker and Redis). Each time the
// worker carries on by itself, every job runs, and nothing stays in progress.
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { freePort, type RedisServerHandle, startRedisServer } from "../helpers/redis-server";
import { startFaultProxy } from "./fault-proxy";
import {
  type Child,
  inProgressLeftovers,
  killLeftovers,
  sleep,
  startCliWorker,
  startFixture,
  tally,
  waitFor,
} from "./helpers";

const servers: RedisServerHandle[] = [];
const conns: Redis[] = [];
afterEach(async () => {
  killLeftovers();
  for (const c of conns.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.stop();
});

const figures: Record<string, unknown> = {};
afterAll(() => console.log("redis fault figures", JSON.stringify(figures)));

function connect(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  r.on("error", () => undefined);
  conns.push(r);
  return r;
}

function cliWorker(workerUrl: string, recordUrl: string, concurrency = 20): Child {
  return startCliWorker(
    [
      "-r",
      "test/chaos/fixtures/jobs.ts",
      "--redis",
      workerUrl,
      "-c",
      String(concurrency),
      "-t",
      "5",
    ],
    { REDIS_URL: recordUrl },
  );
}

async function pushRecords(redis: Redis, n: number, ms: number): Promise<string[]> {
  const client = new Client({ redis });
  return (await client.pushBulk({
    class: "Record",
    args: Array.from({ length: n }, () => [ms]),
  })) as string[];
}

async function runsSoFar(redis: Redis): Promise<number> {
  return (await redis.hvals("runs")).reduce((s, v) => s + Number(v), 0);
}

/** Stops the worker with TERM and checks exit 0, no job missing and nothing in progress. */
async function finish(w: Child, redis: Redis, jids: string[]) {
  await waitFor(async () => (await tally(redis, jids)).missing === 0, {
    timeoutMs: 60_000,
    what: "every job to run",
  }).catch(async (err) => {
    const lists = await inProgressLeftovers(redis);
    const lens = await Promise.all(
      lists.filter((l) => !l.startsWith("index")).map((l) => redis.llen(l)),
    );
    throw new Error(
      `${(err as Error).message}; ${JSON.stringify(await tally(redis, jids))}, queue ${await redis.llen("queue:default")}, in progress ${lens}; worker output:\n${w.output().slice(-3000)}`,
    );
  });
  w.child.kill("SIGTERM");
  const code = await w.exited;
  if (code !== 0) throw new Error(`worker exited ${code}:\n${w.output()}`);
  const result = await tally(redis, jids);
  expect(result.missing).toBe(0);
  expect(await inProgressLeftovers(redis)).toEqual([]);
  expect(await redis.llen("queue:default")).toBe(0);
  return result;
}

describe("Redis faults", () => {
  it("an AOF redis-server restarted while the worker drains a queue: it reconnects and finishes", async () => {
    const server = await startRedisServer({ appendonly: true });
    servers.push(server);
    const redis = connect(`${server.url}/0`);
    const jids = await pushRecords(redis, 3000, 20);
    const w = cliWorker(`${server.url}/0`, `${server.url}/0`, 20);
    await waitFor(async () => (await runsSoFar(redis)) >= 300, {
      timeoutMs: 20_000,
      what: "300 runs",
    });
    const before = await runsSoFar(redis);
    await server.restart();
    const upAt = Date.now();
    await waitFor(async () => (await runsSoFar(redis)) > before + 50, {
      timeoutMs: 30_000,
      what: "runs after the restart",
    });
    const resumeMs = Date.now() - upAt;
    expect(before).toBeLessThan(jids.length); // the restart happened mid-drain
    const result = await finish(w, redis, jids);
    figures.aofRestart = { jobs: jids.length, runsBeforeRestart: before, resumeMs, ...result };
  }, 120_000);

  it("redis-server killed -9 (appendfsync always) mid-drain: nothing acknowledged is lost", async () => {
    const server = await startRedisServer({
      appendonly: true,
      extraArgs: ["--appendfsync", "always"],
    });
    servers.push(server);
    const redis = connect(`${server.url}/0`);
    const jids = await pushRecords(redis, 2000, 20);
    const w = cliWorker(`${server.url}/0`, `${server.url}/0`, 20);
    await waitFor(async () => (await runsSoFar(redis)) >= 300, {
      timeoutMs: 20_000,
      what: "300 runs",
    });
    server.process.kill("SIGKILL");
    await sleep(300);
    await server.restart();
    const result = await finish(w, redis, jids);
    figures.aofKill9 = { jobs: jids.length, ...result };
  }, 120_000);

  it("a worker started while Redis is down waits, then starts when Redis comes up", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    const w = cliWorker(url, url, 10);
    await waitFor(() => /cannot reach Redis/.test(w.output()), { what: "the worker to notice" });
    await sleep(1500);
    expect(w.child.exitCode).toBeNull(); // still waiting, not crashed
    const server = await startRedisServer({ port });
    servers.push(server);
    const upAt = Date.now();
    const redis = connect(url);
    const jids = await pushRecords(redis, 200, 5);
    await waitFor(async () => (await runsSoFar(redis)) > 0, { timeoutMs: 20_000, what: "a run" });
    const firstJobMs = Date.now() - upAt;
    const result = await finish(w, redis, jids);
    figures.startWhileDown = { firstJobAfterRedisUpMs: firstJobMs, ...result };
    expect(result.duplicates).toBe(0);
  }, 90_000);

  it("a slow Redis (5-25 ms each way on every packet) runs every job exactly once", async () => {
    const server = await startRedisServer();
    servers.push(server);
    const proxy = await startFaultProxy({ host: "127.0.0.1", port: server.port });
    proxy.setDelay(5, 20);
    const redis = connect(`${server.url}/0`);
    const jids = await pushRecords(redis, 1500, 5);
    // The worker talks through the proxy; the jobs record on a direct connection.
    const w = cliWorker(proxy.url(0), `${server.url}/0`, 25);
    const result = await finish(w, redis, jids);
    await proxy.close();
    figures.slowRedis = { jobs: jids.length, ...result };
    // No crash, no lost connection: at least once is exactly once here.
    expect(result.duplicates).toBe(0);
  }, 120_000);

  it("connections reset mid-stream (slow Redis, repeated drops): every job runs, none is stranded", async () => {
    const server = await startRedisServer();
    servers.push(server);
    const proxy = await startFaultProxy({ host: "127.0.0.1", port: server.port });
    proxy.setDelay(2, 8);
    const redis = connect(`${server.url}/0`);
    const jids = await pushRecords(redis, 2000, 10);
    // A reply lost with its connection strands the jobs a fetch moved; the worker's check of its
    // own lists (every orphanCheckInterval, here 0.5 s) puts them back. The CLI keeps 60 s.
    const w = startFixture("record-worker.ts", {
      REDIS_URL: proxy.url(0),
      RECORD_URL: `${server.url}/0`,
      CONCURRENCY: "25",
      ORPHAN_CHECK: "0.5",
    });
    let drops = 0;
    for (let i = 0; i < 15; i++) {
      await waitFor(async () => (await runsSoFar(redis)) >= 100 * (i + 1), {
        timeoutMs: 30_000,
        what: `${100 * (i + 1)} runs`,
      });
      drops += proxy.dropAll();
    }
    const result = await finish(w, redis, jids);
    await proxy.close();
    const stranded = [
      ...w.output().matchAll(/stranded in our in-progress list by a lost reply \{"count":(\d+)\}/g),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    figures.connectionDrops = {
      jobs: jids.length,
      drops,
      strandedAndRequeued: stranded,
      ...result,
    };
  }, 120_000);
});
