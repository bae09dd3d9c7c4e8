// Shared helpers for the chaos suite: waits on Redis state, worker child processes (the real
// `edgekiq worker` CLI from source, or a fixture script) that the tests kill, TERM and restart,
// and the checks every scenario ends with (every job ran, nothing left in progress).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../runtimes/node/bin.ts", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 25, what = "condition" } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface Child {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Resolves with the exit code, or the signal name when killed. */
  exited: Promise<number | string>;
  /** Date.now() when the process exited (0 while it runs). */
  exitedAt(): number;
  /** Resolves with the worker identity once the process printed it (fixture workers only). */
  identity: Promise<string>;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every child a test left running (only children started here). */
export function killLeftovers(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
}

function track(child: ChildProcess): Child {
  children.add(child);
  let out = "";
  let exitedAt = 0;
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      exitedAt = Date.now();
      children.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const identity = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /^IDENTITY (\S+)$/m.exec(out);
      if (m) {
        child.stdout?.off("data", onData);
        resolve(m[1]!);
      }
    };
    child.stdout?.on("data", onData);
    exited.then((code) => reject(new Error(`worker exited (${code}) before starting:\n${out}`)));
  });
  identity.catch(() => undefined);
  return { child, pid: child.pid!, output: () => out, exited, exitedAt: () => exitedAt, identity };
}

/** `edgekiq worker …` from source (runtimes/node/bin.ts under tsx), as a user runs it. */
export function startCliWorker(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ["--import", "tsx", BIN, "worker", ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(child);
}

/** A fixture worker script (test/chaos/fixtures/<name>) with settings in its environment. */
export function startFixture(name: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", `${FIXTURES}${name}`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(child);
}

/** In-progress lists and index members still in Redis (should be none after a scenario). */
export async function inProgressLeftovers(redis: Redis): Promise<string[]> {
  const lists = await scanAll(redis, "edgekiq:inprogress:*");
  const members = await redis.smembers("edgekiq:inprogress");
  return [...lists, ...members.map((m) => `index member ${m}`)];
}

export async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return out;
}

/** Runs per jid (HINCRBY `runs` by the handlers): how many jobs are missing and how many ran twice. */
export async function tally(
  redis: Redis,
  jids: readonly string[],
): Promise<{ missing: number; duplicates: number; runs: number }> {
  const counts = await redis.hgetall("runs");
  let missing = 0;
  let duplicates = 0;
  let runs = 0;
  for (const jid of jids) {
    const n = Number(counts[jid] ?? 0);
    if (n === 0) missing++;
    else duplicates += n - 1;
    runs += n;
  }
  return { missing, duplicates, runs };
}
