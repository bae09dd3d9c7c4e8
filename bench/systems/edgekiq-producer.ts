/**
 * edgekiq's producer for the benchmark: the `Client` from `src/core` over TCP (ioredis) or, with
 * BENCH_REST_URL set, over REST (@upstash/redis, automaticDeserialization off) through the bridge.
 * `pushBulk` per batch of 1,000 (one MULTI), `push` one at a time. With BENCH_IN_BATCH=1 the
 * bulk jobs go into one edgekiq batch instead (`Batch#add` per 1,000: one script call each), for
 * the batch-overhead row.
 */
import { Redis as Upstash } from "@upstash/redis";
import { Redis } from "ioredis";
import { Batch } from "../../src/core/batch/batch";
import { Client } from "../../src/core/client";
import { uniqueJobs } from "../../src/core/unique";
import { runProducer } from "../lib/producer";
import { WARMUP_ARG } from "../lib/protocol";

const env = process.env;
const restUrl = env.BENCH_REST_URL;
const tcp = restUrl ? undefined : new Redis(env.REDIS_URL!);
const redis =
  tcp ??
  new Upstash({
    url: restUrl!,
    token: env.BENCH_REST_TOKEN!,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
const client = new Client({ redis, unique: uniqueJobs });
const batch = env.BENCH_IN_BATCH === "1" ? new Batch(client, { description: "bench" }) : undefined;
// BENCH_FLOW=unique: every job takes a unique lock of its own (the worker releases it on success).
const unique = env.BENCH_FLOW === "unique" ? { unique: { for: 3600 } } : {};

await runProducer({
  // A warm-up the enqueue-only token may send (PING is not in its scope): SADD is half a push.
  ready: async () => {
    await client.redis.call(["sadd", client.keys.queues, "default"]);
  },
  bulk: async (indexes) => {
    if (batch) {
      await batch.add(async (jobs) => {
        for (const i of indexes) await jobs.push({ class: "NoopJob", args: [i] });
      });
      return;
    }
    await client.pushBulk({ class: "NoopJob", args: indexes.map((i) => [i]), ...unique });
  },
  one: async (i) => {
    await client.push({ class: "NoopJob", args: [i] });
  },
  stamped: async (t) => {
    await client.push({ class: "NoopJob", args: [t] });
  },
  warm: async () => {
    await client.push({ class: "NoopJob", args: [WARMUP_ARG] });
  },
  close: async () => {
    await tcp?.quit();
  },
});
