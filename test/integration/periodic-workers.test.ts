// Several worker processes tick the same table on a real Redis: each tick of an every-second
// schedule lands exactly once, with a process whose clock is 5 s ahead, and after the process
// that enqueued the latest tick is killed with SIGKILL.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "./worker-helpers";

const t = await useTestRedis();
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  await t.flush();
});

interface Child {
  child: ChildProcess;
  /** Ticks (epoch ms) this process was the one to enqueue. */
  pushed: number[];
}

function startChild(env: Record<string, string> = {}): Promise<Child> {
  const script = fileURLToPath(new URL("./fixtures/periodic-child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, REDIS_URL: t.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const me: Child = { child, pushed: [] };
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") resolve(me);
        else if (line.startsWith("pushed ")) {
          // Every-second schedule: `count` ticks, one second apart, ending at `newest`.
          const [, newest, count] = line.split(" ").map(Number);
          for (let i = count! - 1; i >= 0; i--) me.pushed.push(newest! - i * 1000);
        }
      }
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`periodic child exited with ${code}: ${err}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long three processes tick together: the 60 s (PERIODIC_SOAK_SECONDS shortens it). */
const SOAK_SECONDS = Number(process.env.PERIODIC_SOAK_SECONDS ?? 60);

/** The ticks in the entry's run log, ascending, and its queue length. */
async function runs(): Promise<number[]> {
  const raw = await t.redis.lrange("edgekiq:periodic-runs:every-second", 0, -1);
  return raw.map((r) => JSON.parse(r).at as number).sort((a, b) => a - b);
}

/** Every tick from the first to the last, once: no double, no gap. */
function expectEachTickOnce(ticks: number[], queued: number): void {
  expect(ticks.length).toBeGreaterThan(5);
  expect(new Set(ticks).size).toBe(ticks.length);
  const span = (ticks.at(-1)! - ticks[0]!) / 1000 + 1;
  expect(ticks.length).toBe(span);
  expect(queued).toBe(ticks.length);
}

async function stopAll(list: Child[]): Promise<void> {
  await Promise.all(
    list.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}

describe("periodic jobs from several worker processes", () => {
  it(
    `three processes, an every-second schedule for ${SOAK_SECONDS} s: each tick enqueued once`,
    async () => {
      const procs = await Promise.all([startChild(), startChild(), startChild()]);
      await sleep(SOAK_SECONDS * 1000);
      await stopAll(procs);
      // Every tick was claimed by exactly one process, with no gap, one job each.
      const claimed = procs.flatMap((p) => p.pushed).sort((a, b) => a - b);
      expectEachTickOnce(claimed, await t.redis.llen("queue:default"));
      expect(claimed.length).toBeGreaterThanOrEqual(SOAK_SECONDS - 3);
      // The run log (the newest 50) agrees.
      const logged = await runs();
      expect(logged).toEqual(claimed.slice(-logged.length));
    },
    SOAK_SECONDS * 1000 + 25_000,
  );

  it("a process whose clock is 5 s ahead does not double a tick", async () => {
    const procs = await Promise.all([
      startChild(),
      startChild(),
      startChild({ CLOCK_OFFSET_MS: "5000" }),
    ]);
    await sleep(10_000);
    await stopAll(procs);
    const ticks = await runs();
    expectEachTickOnce(ticks, await t.redis.llen("queue:default"));
    // The fast process took (almost) every tick, early; the others found them taken.
    expect(procs[2]!.pushed.length).toBeGreaterThan(0);
  }, 40_000);

  it("kill -9 of the process that enqueued the latest tick: the next ticks still come", async () => {
    const procs = await Promise.all([startChild(), startChild(), startChild()]);
    await waitFor(() => procs.some((p) => p.pushed.length >= 2), { what: "two ticks" });
    const latest = (p: Child) => p.pushed.at(-1) ?? 0;
    const victim = procs.reduce((a, b) => (latest(b) > latest(a) ? b : a));
    const killedAfter = latest(victim);
    victim.child.kill("SIGKILL");
    await new Promise((r) => victim.child.once("exit", r));
    await waitFor(async () => (await runs()).filter((tick) => tick > killedAfter).length >= 4, {
      what: "four ticks after the kill",
      timeoutMs: 15_000,
    });
    await stopAll(procs.filter((p) => p !== victim));
    expectEachTickOnce(await runs(), await t.redis.llen("queue:default"));
  }, 40_000);
});
