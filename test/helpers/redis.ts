// Per-test-file Redis: a database of its own (flushed before use), an ioredis connection to it,
// and the URL for child processes (workers, Ruby) that must see the same data.
import { Redis } from "ioredis";
import { afterAll, inject } from "vitest";

export interface TestRedis {
  /** URL of this file's database, e.g. redis://127.0.0.1:6390/7 */
  url: string;
  db: number;
  redis: Redis;
  /** A fresh connection to the same database (caller closes it). */
  connect(): Redis;
  flush(): Promise<void>;
}

/** Call once per test file, at module level. */
export async function useTestRedis(): Promise<TestRedis> {
  const base = inject("redisUrl");
  const databases = inject("redisDatabases");
  const admin = new Redis(base, { db: 0 });
  // Database 0 holds the counter; files take 1, 2, 3… (wrapping on a 16-database server).
  const n = await admin.incr("edgekiq-test:next-db");
  await admin.quit();
  const db = 1 + ((n - 1) % (databases - 1));
  const url = `${base.replace(/\/\d+$/, "")}/${db}`;
  const redis = new Redis(url);
  await redis.flushdb();
  const extra: Redis[] = [];
  afterAll(async () => {
    await redis.flushdb().catch(() => undefined);
    await Promise.all([redis, ...extra].map((r) => r.quit().catch(() => undefined)));
  });
  return {
    url,
    db,
    redis,
    connect() {
      const r = new Redis(url);
      extra.push(r);
      return r;
    },
    flush: async () => {
      await redis.flushdb();
    },
  };
}
