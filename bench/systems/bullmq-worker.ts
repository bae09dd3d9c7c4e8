/**
 * BullMQ's worker for the benchmark (run as a child process by bench/systems/bullmq.ts): one
 * `Worker` on queue "default" at BENCH_CONCURRENCY, a no-op processor wrapped in the recorder; jobs are
 * removed on completion because the producer adds them with `removeOnComplete: true`. Reports through the harness's control keys.
 */
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { DONE_KEY, READY_KEY, WARMUP_ARG } from "../lib/protocol";
import { Recorder } from "../lib/recorder";
import { connectionOptions } from "./bullmq-connection";

const env = process.env;
const url = env.REDIS_URL!;
const control = new Redis(url);
const recorder = new Recorder(Number(env.BENCH_EXPECTED), env.BENCH_MODE ?? "drain", (report) => {
  void control.lpush(DONE_KEY, JSON.stringify(report));
});

const worker = new Worker(
  "default",
  async (job) => {
    const data = job.data as { t?: number; warmup?: string };
    if (data.warmup === WARMUP_ARG) return;
    recorder.start(data.t);
    recorder.end();
  },
  {
    connection: connectionOptions(url),
    concurrency: Number(env.BENCH_CONCURRENCY ?? 10),
  },
);
worker.on("error", (err) => console.error(`bullmq worker error: ${err.message}`));

await worker.waitUntilReady();
await control.lpush(READY_KEY, "1");

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void worker
    .close()
    .then(() => control.quit())
    .finally(() => process.exit(0));
});
