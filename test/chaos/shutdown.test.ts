// Shutdown races on the real `edgekiq worker` CLI process: TERM during a burst, TERM twice,
// handlers that ignore their abort signal, never settle, or reject after the stop began. Each
// time the process exits 0 within shutdownTimeout (-t) plus a small margin, every unfinished job
// is back on its queue with its exact string, and nothing is left in progress.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { useTestRedis } from "../helpers/redis";
import {
  type Child,
  inProgressLeftovers,
  killLeftovers,
  scanAll,
  sleep,
  startCliWorker,
  waitFor,
} from "./helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
afterEach(killLeftovers);

/** Seconds the process may take beyond -t: the final writes (acks, heartbeat, requeue) and exit. */
const MARGIN_MS = 2_000;
const exitTimes: Record<string, number> = {};
afterAll(() => console.log("shutdown figures (ms from TERM to exit)", JSON.stringify(exitTimes)));

async function worker(concurrency: number, timeoutSeconds: number): Promise<Child> {
  const w = startCliWorker(
    [
      "-r",
      "test/chaos/fixtures/jobs.ts",
      "--redis",
      t.url,
      "-c",
      String(concurrency),
      "-t",
      String(timeoutSeconds),
      "--log-level",
      "warn",
    ],
    { REDIS_URL: t.url },
  );
  // The CLI logs "Starting processing" at info; wait on Redis instead: its process hash.
  await waitFor(async () => (await t.redis.scard("processes")) > 0, {
    timeoutMs: 20_000,
    what: "the worker to start",
  });
  return w;
}

async function push(cls: string, n: number, arg?: number): Promise<string[]> {
  const args = Array.from({ length: n }, () => (arg === undefined ? [] : [arg]));
  return (await client.pushBulk({ class: cls, args })) as string[];
}

async function starts(): Promise<number> {
  return (await t.redis.hvals("starts")).reduce((s, v) => s + Number(v), 0);
}

/** Sends TERM (once or more) and returns ms from the first TERM to the exit; asserts exit 0. */
async function term(w: Child, name: string, times = 1): Promise<number> {
  const at = Date.now();
  for (let i = 0; i < times; i++) {
    w.child.kill("SIGTERM");
    if (i + 1 < times) await sleep(150);
  }
  const code = await w.exited;
  if (code !== 0) throw new Error(`exit ${code}; output:\n${w.output()}`);
  const ms = w.exitedAt() - at;
  exitTimes[name] = ms;
  return ms;
}

async function queued(): Promise<string[]> {
  return t.redis.lrange("queue:default", 0, -1);
}

/** Every jid either ran (counted in `runs`) or sits on the queue; none both, none neither. */
async function accounted(jids: string[]): Promise<{ ran: number; requeued: number }> {
  const runs = await t.redis.hgetall("runs");
  const onQueue = new Set((await queued()).map((j) => JSON.parse(j).jid as string));
  let ran = 0;
  let requeued = 0;
  for (const jid of jids) {
    const r = Number(runs[jid] ?? 0) > 0;
    const q = onQueue.has(jid);
    if (r === q) throw new Error(`job ${jid}: ran=${r} queued=${q}`);
    if (r) ran++;
    else requeued++;
  }
  return { ran, requeued };
}

describe("shutdown", () => {
  it("TERM during a burst: running jobs finish, the rest go back to the queue", async () => {
    await t.flush();
    const w = await worker(50, 3);
    const jids = await push("Record", 600, 100);
    await waitFor(async () => (await t.redis.hlen("runs")) >= 100, { what: "100 runs" });
    const ms = await term(w, "burst");
    expect(ms).toBeLessThan(3_000 + MARGIN_MS);
    const { ran, requeued } = await accounted(jids);
    expect(ran).toBeGreaterThanOrEqual(100);
    expect(requeued).toBeGreaterThan(0);
    expect(await inProgressLeftovers(t.redis)).toEqual([]);
  }, 60_000);

  it("TERM twice: one clean stop, exit 0", async () => {
    await t.flush();
    const w = await worker(20, 2);
    const jids = await push("Record", 300, 150);
    await waitFor(async () => (await t.redis.hlen("runs")) >= 20, { what: "20 runs" });
    const ms = await term(w, "termTwice", 2);
    expect(ms).toBeLessThan(2_000 + MARGIN_MS);
    await accounted(jids);
    expect(await inProgressLeftovers(t.redis)).toEqual([]);
  }, 60_000);

  it.each([
    ["IgnoreAbort", 30_000],
    ["NeverSettles", undefined],
    ["RejectAfterAbort", undefined],
  ])(
    "a handler that %s: exit after -t, its jobs back on the queue byte for byte",
    async (cls, arg) => {
      await t.flush();
      const w = await worker(5, 1);
      const jids = await push(cls, 5, arg);
      await waitFor(async () => (await starts()) === 5, { what: "5 starts" });
      // The exact strings, as they sit in the worker's in-progress list while the jobs run.
      const [list] = await scanAll(t.redis, "edgekiq:inprogress:*");
      const strings = await t.redis.lrange(list!, 0, -1);
      expect(strings).toHaveLength(5);
      const ms = await term(w, cls);
      expect(ms).toBeGreaterThanOrEqual(1_000);
      expect(ms).toBeLessThan(1_000 + MARGIN_MS);
      // Back at the front of the queue with their exact strings; not retried, not dead.
      expect((await queued()).sort()).toEqual(strings.sort());
      expect(await t.redis.zcard("retry")).toBe(0);
      expect(await t.redis.zcard("dead")).toBe(0);
      expect(await t.redis.hlen("runs")).toBe(0);
      expect(jids).toHaveLength(5);
      expect(await inProgressLeftovers(t.redis)).toEqual([]);
    },
    60_000,
  );

  it("a handler that rejects after the stop began: retried as usual, the stop does not wait", async () => {
    await t.flush();
    const w = await worker(5, 10);
    const jids = await push("RejectSoon", 5, 500);
    await waitFor(async () => (await starts()) === 5, { what: "5 starts" });
    const ms = await term(w, "RejectSoon");
    // The jobs fail ~0.5 s into the stop; the worker is idle then and exits, long before -t 10.
    expect(ms).toBeLessThan(500 + MARGIN_MS);
    const retry = await t.redis.zrange("retry", "0", "-1");
    expect(retry.map((r) => JSON.parse(r).jid).sort()).toEqual([...jids].sort());
    for (const r of retry) expect(JSON.parse(r).error_message).toBe("failed during shutdown");
    expect(await queued()).toEqual([]);
    expect(await inProgressLeftovers(t.redis)).toEqual([]);
  }, 60_000);

  it("everything at once: a burst with stuck, never-settling and rejecting handlers", async () => {
    await t.flush();
    const w = await worker(40, 2);
    const records = await push("Record", 400, 50);
    const stuck = [
      ...(await push("NeverSettles", 3)),
      ...(await push("IgnoreAbort", 3, 30_000)),
      ...(await push("RejectAfterAbort", 3)),
    ];
    await waitFor(async () => (await starts()) === 9, { what: "the 9 stuck jobs to start" });
    const ms = await term(w, "mixed");
    expect(ms).toBeLessThan(2_000 + MARGIN_MS);
    const onQueue = new Set((await queued()).map((j) => JSON.parse(j).jid as string));
    for (const jid of stuck) expect(onQueue.has(jid)).toBe(true);
    const runs = await t.redis.hgetall("runs");
    for (const jid of records) expect(Number(runs[jid] ?? 0) > 0 || onQueue.has(jid)).toBe(true);
    expect(await inProgressLeftovers(t.redis)).toEqual([]);
  }, 60_000);
});
