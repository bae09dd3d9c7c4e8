// Realistic dashboard data for browser tests and screenshots: jobs pushed by our client, retry
// and dead entries shaped as Sidekiq 6.4 writes them (with a real base64+zlib backtrace), a
// process heartbeat with a running job, and daily counters; and Sidekiq 7 job metrics.
import type { Redis } from "ioredis";
import { encodeBacktrace } from "../../src/api";
import { Client } from "../../src/core/client";
import { histogramKey, Keys, METRICS_TTL_SECONDS, metricsKey, statDate } from "../../src/core/keys";
import { fromIoredis } from "../../src/redis/tcp";

export const EVIL = `<script>window.__pwned=1;console.log("PWNED")</script>"><img src=x onerror="window.__pwned=2;console.log('PWNED')">`;
export const IDENTITY = "worker-1.internal:4242:0a1b2c3d4e5f";

export function jid(n: number): string {
  return n.toString(16).padStart(24, "0");
}

export function failed(
  n: number,
  options: {
    cls?: string;
    args?: unknown[];
    message?: string;
    queue?: string;
    retryCount?: number;
    backtrace?: string;
  } = {},
): string {
  const job: Record<string, unknown> = {
    retry: true,
    queue: options.queue ?? "default",
    args: options.args ?? [n, `user-${n}@example.com`],
    class: options.cls ?? "InvoiceMailer",
    jid: jid(n),
    created_at: Date.now() / 1000 - 3600,
    enqueued_at: Date.now() / 1000 - 3500,
    error_message: options.message ?? `Net::ReadTimeout with #<TCPSocket:(closed)> (attempt ${n})`,
    error_class: "Net::ReadTimeout",
    failed_at: Date.now() / 1000 - 3400,
    retry_count: options.retryCount ?? 2,
  };
  if (options.backtrace) job.error_backtrace = options.backtrace;
  return JSON.stringify(job);
}

export async function seed(redis: Redis): Promise<void> {
  const door = fromIoredis(redis);
  const client = new Client({ redis: door });
  for (let i = 0; i < 12; i++) {
    await client.push({
      class: "ResizeImage",
      args: [`photos/${1000 + i}.jpg`, { width: 640 }],
      queue: "default",
    });
  }
  for (let i = 0; i < 3; i++)
    await client.push({ class: "ChargeCard", args: [i * 100], queue: "critical" });
  await client.push({ class: "WeeklyDigest", args: ["team-a"], queue: "mailers" });
  for (let i = 0; i < 4; i++) {
    await client.push({ class: "SendReminder", args: [i], at: Date.now() / 1000 + 600 * (i + 1) });
  }
  const backtrace = await encodeBacktrace([
    "app/jobs/invoice_mailer.rb:12:in `perform'",
    "lib/sidekiq/processor.rb:196:in `execute_job'",
    "lib/sidekiq/processor.rb:164:in `block (2 levels) in process'",
  ]);
  const now = Date.now() / 1000;
  for (let i = 1; i <= 5; i++) {
    await redis.zadd("retry", String(now + 60 * i + 0.25), failed(i, { backtrace }));
  }
  await redis.zadd(
    "retry",
    String(now + 900.5),
    failed(99, {
      cls: `Evil${EVIL}`,
      args: [EVIL, { note: EVIL }],
      message: EVIL,
      queue: "default",
    }),
  );
  for (let i = 20; i < 23; i++) {
    await redis.zadd(
      "dead",
      String(now - 100 * i + 0.5),
      failed(i, { cls: "SyncInventory", retryCount: 25, backtrace }),
    );
  }
  // A live process with one job running (what a Sidekiq 7 / edgekiq heartbeat writes).
  await redis.sadd("processes", IDENTITY);
  await redis.hset(IDENTITY, {
    info: JSON.stringify({
      hostname: "worker-1.internal",
      started_at: now - 7200.5,
      pid: 4242,
      tag: "shop",
      concurrency: 10,
      queues: ["critical", "default", "mailers"],
      labels: ["edgekiq"],
      identity: IDENTITY,
      version: "0.1.0",
      embedded: false,
    }),
    busy: "1",
    beat: String(now),
    quiet: "false",
    rtt_us: "310",
    rss: "81234",
  });
  await redis.expire(IDENTITY, 600);
  const running = JSON.stringify({
    retry: true,
    queue: "critical",
    args: ["order-5521"],
    class: "FulfilOrder",
    jid: jid(777),
    created_at: now - 3,
    enqueued_at: now - 2.5,
  });
  await redis.hset(
    `${IDENTITY}:work`,
    "t1",
    JSON.stringify({ queue: "critical", payload: running, run_at: Math.floor(now - 2) }),
  );
  await redis.set("stat:processed", "184230");
  await redis.set("stat:failed", "1312");
  for (let d = 0; d < 30; d++) {
    const date = statDate(Date.now() - d * 86_400_000);
    await redis.set(
      `stat:processed:${date}`,
      String(5200 + Math.round(1800 * Math.sin(d / 2.5)) + d * 40),
    );
    await redis.set(`stat:failed:${date}`, String(30 + Math.round(25 * Math.cos(d / 3))));
  }
}

/**
 * One minute of Sidekiq 7 job metrics, written as Sidekiq 7's flush writes them: HINCRBY of
 * `<Class>|p|f|ms` fields and EXPIRE of `j|…`, and one `BITFIELD … OVERFLOW SAT INCRBY u16 #i 1`
 * per [class, bucket] histogram entry.
 */
export async function writeMetrics(
  redis: Redis,
  at: number,
  fields: readonly (readonly [string, number])[],
  histograms: readonly (readonly [string, number])[] = [],
): Promise<void> {
  const keys = new Keys();
  const minute = metricsKey(keys, at);
  for (const [field, n] of fields) await redis.hincrby(minute, field, n);
  await redis.expire(minute, METRICS_TTL_SECONDS);
  for (const [className, bucket] of histograms) {
    const key = histogramKey(keys, className, at);
    await redis.call("BITFIELD", key, "OVERFLOW", "SAT", "INCRBY", "u16", `#${bucket}`, 1);
    await redis.expire(key, METRICS_TTL_SECONDS);
  }
}
