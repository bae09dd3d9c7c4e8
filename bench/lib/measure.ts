/**
 * The three measurements, the same for every system (the method of the peer figures):
 * 1. drain: FLUSHDB, pre-push `jobs` with the system's bulk push, start ONE worker process, wait
 *    for its report (rate from first job start to last job end, and the worker's CPU time over
 *    the same span, measured inside the worker), sample its RSS every 100 ms and take Redis's
 *    CPU time (INFO cpu) meanwhile, stop it, check nothing is left and the count is right;
 * 2. enqueue: FLUSHDB, run the producer (bulk or one at a time, TCP or REST), check the count;
 * 3. latency: FLUSHDB, start the worker at concurrency 10, let it idle, push at a steady rate
 *    with enqueue times, take p50/p99 of start minus enqueue as the worker computed them; once
 *    with new processes, once after a warm-up through the same processes.
 */
import type { Redis } from "ioredis";
import type { BenchContext, ChildSpec, SystemAdapter, Transport } from "../systems/types";
import type { BenchOptions } from "./args";
import { type Child, sampleRss, startChild } from "./children";
import {
  DONE_KEY,
  GO_SIGNAL,
  type ProducerMode,
  type ProducerReport,
  READY_KEY,
  WARMED_LINE,
  type WorkerReport,
} from "./protocol";

export interface Harness {
  ctx: BenchContext;
  opts: BenchOptions;
  /** Commands (FLUSHDB, counts). */
  admin: Redis;
  /** A second connection for BLPOP on the control keys. */
  blocker: Redis;
}

export interface DrainResult {
  rate: number;
  rssMb: number;
  /** Worker CPU per job, first start to last end (µs). */
  workerCpuUs?: number;
  /** Redis CPU per job while the worker ran (µs; includes its start-up commands). */
  redisCpuUs: number;
  report: WorkerReport;
}

/**
 * `producerEnv` goes to the pre-push producer only, e.g. BENCH_IN_BATCH=1: edgekiq pushes the
 * jobs into one batch (bench/systems/edgekiq-producer.ts), so the drain measures batch jobs.
 */
export async function measureDrain(
  h: Harness,
  system: SystemAdapter,
  concurrency: number,
  producerEnv: Record<string, string> = {},
  /** edgekiq's flow control in both children (BENCH_FLOW): a unique lock per job, or a limiter. */
  flow?: "unique" | "limiter",
): Promise<DrainResult> {
  const jobs = h.opts.jobs;
  const flowEnv: Record<string, string> = flow ? { BENCH_FLOW: flow } : {};
  await h.admin.flushdb();
  await produce(h, system, "tcp", "bulk", jobs, { ...producerEnv, ...flowEnv });
  await expectPending(h, system, jobs, "after pre-push");

  const redisCpuBefore = await redisCpuMs(h.admin);
  const worker = spawn(h, `${system.name} worker`, system.worker(h.ctx, concurrency), {
    BENCH_CONCURRENCY: String(concurrency),
    BENCH_EXPECTED: String(jobs),
    BENCH_MODE: "drain",
    ...flowEnv,
  });
  const rss = sampleRss(worker.pid);
  try {
    const report = await waitForReport(h, worker, DONE_KEY, drainTimeoutMs(jobs));
    const rssMb = rss.stop();
    const redisCpu = (await redisCpuMs(h.admin)) - redisCpuBefore;
    await stopWorker(worker);
    const workerReport = JSON.parse(report) as WorkerReport;
    if (workerReport.count !== jobs) {
      throw new Error(`${system.name} worker counted ${workerReport.count} jobs, not ${jobs}`);
    }
    await expectPending(h, system, 0, "after draining");
    return {
      rate: workerReport.rate,
      rssMb,
      workerCpuUs:
        workerReport.cpuMs === undefined ? undefined : (workerReport.cpuMs * 1000) / jobs,
      redisCpuUs: (redisCpu * 1000) / jobs,
      report: workerReport,
    };
  } finally {
    rss.stop();
    await worker.stop();
  }
}

export async function measureEnqueue(
  h: Harness,
  system: SystemAdapter,
  mode: "one" | "bulk",
  transport: Transport,
): Promise<ProducerReport> {
  const jobs = mode === "one" ? h.opts.oneJobs : h.opts.jobs;
  await h.admin.flushdb();
  const report = await produce(h, system, transport, mode, jobs);
  await expectPending(h, system, jobs, "after enqueueing");
  return report;
}

/**
 * Latency into an idle worker. `warmup` 0: a new worker process and a new producer process (what
 * the peer figures measured). `warmup` N: the same, after N warm-up jobs through the same two
 * processes, which the worker runs and then idles for 1 s (see bench/lib/producer.ts).
 */
export async function measureLatency(
  h: Harness,
  system: SystemAdapter,
  warmup: number,
): Promise<NonNullable<WorkerReport["latency"]>> {
  const jobs = h.opts.latencyJobs;
  const concurrency = h.opts.latencyConcurrency;
  await h.admin.flushdb();
  const worker = spawn(h, `${system.name} worker`, system.worker(h.ctx, concurrency), {
    BENCH_CONCURRENCY: String(concurrency),
    BENCH_EXPECTED: String(jobs),
    BENCH_MODE: "latency",
  });
  try {
    await waitForReport(h, worker, READY_KEY, 60_000);
    // "An idle, running worker": let start-up work (first heartbeat, recovery) settle.
    const settleMs = h.opts.short ? 200 : 1_000;
    await sleep(settleMs);
    const producer = startProducer(h, system, "tcp", "latency", jobs, {
      BENCH_WARMUP: String(warmup),
    });
    if (warmup > 0) {
      await waitForLine(producer, WARMED_LINE, drainTimeoutMs(warmup));
      await waitUntilDrained(h, system, drainTimeoutMs(warmup));
      await sleep(settleMs);
      producer.process.kill(GO_SIGNAL);
    }
    await finishProducer(system, producer, jobs, "tcp", "latency");
    const report = JSON.parse(await waitForReport(h, worker, DONE_KEY, 60_000)) as WorkerReport;
    await stopWorker(worker);
    if (!report.latency) throw new Error(`${system.name} worker reported no latency`);
    if (report.count !== jobs) {
      throw new Error(`${system.name} worker counted ${report.count} jobs, not ${jobs}`);
    }
    return report.latency;
  } finally {
    await worker.stop();
  }
}

function spawn(h: Harness, name: string, spec: ChildSpec, env: Record<string, string>): Child {
  const full = { REDIS_URL: h.ctx.redisUrl, ...spec.env, ...env };
  return startChild(name, spec.command, spec.args, full, spec.cwd);
}

/** Runs a producer child to completion and returns its report. */
function produce(
  h: Harness,
  system: SystemAdapter,
  transport: Transport,
  mode: ProducerMode,
  jobs: number,
  env: Record<string, string> = {},
): Promise<ProducerReport> {
  return finishProducer(
    system,
    startProducer(h, system, transport, mode, jobs, env),
    jobs,
    transport,
    mode,
  );
}

function startProducer(
  h: Harness,
  system: SystemAdapter,
  transport: Transport,
  mode: ProducerMode,
  jobs: number,
  env: Record<string, string> = {},
): Child {
  return spawn(h, `${system.name} producer`, system.producer(h.ctx, transport), {
    BENCH_MODE: mode,
    BENCH_JOBS: String(jobs),
    BENCH_BATCH: String(h.opts.batch),
    BENCH_RATE: String(h.opts.latencyRate),
    ...env,
  });
}

/** Waits for a producer child to exit (stopping it if it overruns) and returns its report. */
async function finishProducer(
  system: SystemAdapter,
  child: Child,
  jobs: number,
  transport: Transport,
  mode: ProducerMode,
): Promise<ProducerReport> {
  const timer = setTimeout(() => void child.stop(1_000), drainTimeoutMs(jobs));
  const code = await child.exited;
  clearTimeout(timer);
  const line = /BENCH_RESULT (.*)/.exec(child.output())?.[1];
  if (code !== 0 || !line) {
    throw new Error(
      `${system.name} producer (${mode}, ${transport}) exited with ${code}: ${firstError(child.output())}\n${tail(child.output())}`,
    );
  }
  return JSON.parse(line) as ProducerReport;
}

/** Polls a child's output until it holds `line`; fails if the child exits or times out. */
async function waitForLine(child: Child, line: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!child.output().includes(line)) {
    if (child.hasExited() || Date.now() > deadline) {
      throw new Error(`${child.name} did not print ${line}:\n${tail(child.output())}`);
    }
    await sleep(20);
  }
}

/** Polls until the system has nothing left in Redis (queue and in-progress). */
async function waitUntilDrained(
  h: Harness,
  system: SystemAdapter,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await system.pending(h.admin)) > 0) {
    if (Date.now() > deadline)
      throw new Error(`${system.name} did not run the warm-up jobs in time`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** BLPOPs a control key, failing early if the child dies and after `timeoutMs` otherwise. */
async function waitForReport(
  h: Harness,
  child: Child,
  key: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await h.blocker.blpop(key, 0.5);
    if (reply) return reply[1];
    if (child.hasExited()) {
      throw new Error(
        `${child.name} exited before reporting: ${firstError(child.output())}\n${tail(child.output())}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${child.name} did not report ${key} within ${timeoutMs / 1000} s:\n${tail(child.output())}`,
      );
    }
  }
}

/** A graceful stop (TERM, then KILL after 15 s); a worker that cannot stop cleanly is an error. */
async function stopWorker(worker: Child): Promise<void> {
  const result = await worker.stop(15_000);
  if (result !== 0 && result !== "SIGTERM") {
    throw new Error(`${worker.name} did not stop cleanly (${result}):\n${tail(worker.output())}`);
  }
}

async function expectPending(
  h: Harness,
  system: SystemAdapter,
  expected: number,
  when: string,
): Promise<void> {
  const pending = await system.pending(h.admin);
  if (pending !== expected) {
    throw new Error(`${system.name}: ${pending} jobs in Redis ${when}, expected ${expected}`);
  }
}

/** Generous: even at 1,000 jobs/s plus start-up, a run finishes well within it. */
function drainTimeoutMs(jobs: number): number {
  return 60_000 + jobs;
}

/** CPU time redis-server has used so far (user + system, ms), from INFO cpu. */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

/** The line that names the error, for one-line notes under the table. */
function firstError(text: string): string {
  const lines = text.trim().split("\n");
  return lines.find((l) => /^\s*([A-Z]\w*Error\b|error:)/i.test(l))?.trim() ?? lines.at(-1) ?? "";
}

function tail(text: string, lines = 15): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}
