// Shared helpers for the worker's integration tests: a worker with short intervals and a silent
// logger, polling waits on Redis state, and cleanup of every worker a test started.
import type { Redis } from "ioredis";
import { afterEach } from "vitest";
import { silentLogger } from "../../src/worker/logger";
import type { WorkerOptions } from "../../src/worker/options";
import { Worker } from "../../src/worker/worker";

const started: Worker[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop()));
});

/** A worker with test-friendly timings; stopped after each test. */
export function testWorker(redis: Redis, options: Partial<WorkerOptions> = {}): Worker {
  const worker = new Worker({
    redis,
    logger: silentLogger,
    heartbeatInterval: 0.5,
    pollIntervalAverage: 0.2,
    orphanCheckInterval: 0.5,
    shutdownTimeout: 2,
    handleSignals: false,
    ...options,
  });
  started.push(worker);
  return worker;
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, what = "condition" } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
