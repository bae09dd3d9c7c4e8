// `npm run demo`: enqueue sample jobs with the client and watch a worker run them — one that
// fails and is retried, one scheduled two seconds ahead — then print the Sidekiq stats and clean
// up. Keys live under the namespace "edgekiq-demo", so an existing Redis is left as it was.

import { Client } from "edgekiq";
import { RetrySet, Stats } from "edgekiq/api";
import { nodePlatform } from "edgekiq/node";
import { Worker } from "edgekiq/worker";
import { Redis } from "ioredis";
import { enqueueSamples } from "../shared/enqueue";
import { registerHandlers } from "../shared/handlers";
import { findRedis } from "./find-redis";

const NAMESPACE = "edgekiq-demo";
const say = (line: string) => console.log(`[demo] ${line}`);

const found = await findRedis(process.env).catch((err: Error) => {
  console.error(`[demo] ${err.message}`);
  process.exit(1);
});
say(`using ${found.how} (${found.url})`);
const redis = new Redis(found.url);

try {
  const client = new Client({ redis, namespace: NAMESPACE });
  const jids = await enqueueSamples(client);
  say(`enqueued ${jids.length} jobs: Greet now, Flaky now (fails once), Reminder in 2 s`);

  // Sidekiq adds up to 9 s of jitter to every retry delay, `retryIn` included. Rather than wait,
  // the demo moves the failed job from `retry` to its queue at once through edgekiq/api
  // (addToQueue keeps its retry_count, so the handler sees its second attempt).
  const retries = new RetrySet({ redis, namespace: NAMESPACE });
  const retryNow = async () => {
    // Its retry entry is written just after the "fail" log line.
    for (let i = 0; i < 50; i++) {
      for await (const entry of retries.entries()) {
        if (await entry.addToQueue()) return say("moved it to its queue now (edgekiq/api)");
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  let remaining = 3; // Greet, Flaky's successful retry, Reminder
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const worker = new Worker({
    redis,
    namespace: NAMESPACE,
    concurrency: 5,
    platform: nodePlatform,
    pollIntervalAverage: 0.5, // the demo wants the retry and the scheduled job quickly
    handleSignals: false,
    logger: {
      debug() {},
      info() {},
      warn(msg, f) {
        if (msg === "fail") {
          say(`worker: ${f?.class} failed (${f?.error_message}); it will be retried`);
          retryNow().catch((err: Error) => say(`could not retry now: ${err.message}`));
        } else say(`worker warning: ${msg}`);
      },
      error(msg, f) {
        say(`worker error: ${msg} ${JSON.stringify(f ?? {})}`);
      },
    },
  });
  registerHandlers(worker, (line) => {
    say(`ran ${line}`);
    if (--remaining === 0) allDone();
  });
  await worker.start();
  say(`worker ${worker.identity} started`);
  const timeout = setTimeout(() => {
    say("timed out waiting for the jobs");
    allDone();
  }, 60_000);
  await done;
  clearTimeout(timeout);
  await worker.stop();
  say("worker stopped");
  const stats = await new Stats({ redis, namespace: NAMESPACE }).fetch();
  say(
    `stats: processed=${stats.processed} failed=${stats.failed} retries=${stats.retries} scheduled=${stats.scheduled} enqueued=${stats.enqueued}`,
  );
  say(remaining === 0 ? "all jobs ran" : `${remaining} job(s) did not run`);
  process.exitCode = remaining === 0 ? 0 : 1;
} finally {
  const keys = await redis.keys(`${NAMESPACE}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await found.stop();
}
