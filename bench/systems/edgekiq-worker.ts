/**
 * edgekiq's worker for the benchmark (a child process started by bench/systems/edgekiq.ts): the
 * engine from `src/worker` with its defaults (reliable fetch, heartbeat, scheduler), concurrency
 * from BENCH_CONCURRENCY, logging at warn like the peers, and a no-op NoopJob handler wrapped in
 * the recorder. Reports through the harness's control keys; stops gracefully on SIGTERM.
 * BENCH_METRICS=1 turns the per-process Prometheus metrics on (collected, not served: a scrape
 * is a few a minute, the collection is per job), to state what they cost per job.
 * BENCH_PERIODIC_ENTRIES=N adds N daily periodic entries (their jobs go to a queue nobody works),
 * for the cost of a periodic table on the drain rate.
 */
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { consoleLogger, Limiter, type Platform, periodic, Worker } from "../../src/worker/index";
import { DONE_KEY, READY_KEY, WARMUP_ARG } from "../lib/protocol";
import { Recorder } from "../lib/recorder";

const env = process.env;
const url = env.REDIS_URL!;
const control = new Redis(url);
const recorder = new Recorder(Number(env.BENCH_EXPECTED), env.BENCH_MODE ?? "drain", (report) => {
  void control.lpush(DONE_KEY, JSON.stringify(report));
});

// Process facts for the heartbeat; signals are handled below, so the engine need not.
const platform: Platform = {
  hostname: () => hostname(),
  pid: process.pid,
  rssKb: () => Math.round(process.memoryUsage.rss() / 1024),
  onSignal: () => () => undefined,
};

const redis = new Redis(url);
const worker = new Worker({
  redis,
  queues: ["default"],
  concurrency: Number(env.BENCH_CONCURRENCY ?? 10),
  logger: consoleLogger("warn"),
  platform,
  handleSignals: false,
  ...(env.BENCH_METRICS === "1" ? { metrics: true } : {}),
  periodic: Array.from({ length: Number(env.BENCH_PERIODIC_ENTRIES ?? 0) }, (_, i) =>
    periodic(`bench-${i}`, `${i % 60} ${Math.floor(i / 60) % 24} * * *`, "NoopJob", [], {
      queue: "bench-periodic",
    }),
  ),
});
// BENCH_FLOW=limiter: every job runs within a fleet-wide concurrent limiter as wide as the
// worker, so it never refuses: the figure is the cost of taking and returning a lease per job.
const limits =
  env.BENCH_FLOW === "limiter"
    ? [Limiter.concurrent("bench", Number(env.BENCH_CONCURRENCY ?? 10), { lockTimeout: 60 })]
    : undefined;
worker.register(
  "NoopJob",
  (args: unknown[]) => {
    if (args[0] === WARMUP_ARG) return;
    recorder.start(args[0]);
    recorder.end();
  },
  limits ? { limits } : {},
);

await worker.start();
await control.lpush(READY_KEY, "1");

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void worker
    .stop()
    .then(() => Promise.all([redis.quit(), control.quit()]))
    .then(
      () => process.exit(0),
      (err) => {
        console.error(`edgekiq worker stop failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
});
