// `npm run demo` (the README's first command) works: it enqueues the sample jobs, a worker runs
// them (one after a retry, one scheduled), and it cleans up after itself.
import { execFile } from "node:child_process";
import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { ROOT } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { freePort } from "../helpers/redis-server";

const t = await useTestRedis();

it("runs every sample job and leaves no keys behind", async () => {
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      "npx",
      ["tsx", "examples/demo/demo.ts"],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: t.url }, timeout: 90_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
  expect(out).toContain(`[demo] using REDIS_URL (${t.url})`);
  expect(out).toMatch(/ran Greet: hello Ada/);
  expect(out).toMatch(/worker: Flaky failed \(Flaky failed on purpose/);
  expect(out).toMatch(/ran Flaky: succeeded on attempt 2/);
  expect(out).toMatch(/ran Reminder: two seconds later/);
  // The retry is moved to its queue at once through the API, not after Sidekiq's retry jitter
  // (up to 9 s), so it runs before the job scheduled 2 s ahead.
  expect(out.indexOf("ran Flaky: succeeded")).toBeLessThan(out.indexOf("ran Reminder"));
  expect(out).toMatch(/stats: processed=4 failed=1/);
  expect(out).toContain("[demo] all jobs ran");
  expect(code).toBe(0);
  expect(await t.redis.keys("*")).toEqual([]);
}, 100_000);

it("names the local Redis it found without repeating its URL (the demo prints the URL beside it)", async () => {
  const { findRedis } = await import("../../examples/demo/find-redis");
  const found = await findRedis({}, t.url);
  expect(found).toMatchObject({ url: t.url, how: "the local Redis" });
});

it("starts a redis-server of its own when nothing answers, and stops it afterwards", async () => {
  const { findRedis } = await import("../../examples/demo/find-redis");
  const port = await freePort();
  const found = await findRedis({}, `redis://127.0.0.1:${port}`);
  expect(found.how).toMatch(/^a redis-server started for the demo on port \d+$/);
  const redis = new Redis(found.url);
  expect(await redis.ping()).toBe("PONG");
  await redis.quit();
  await found.stop();
  const probe = new Redis(found.url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  probe.on("error", () => undefined);
  await expect(probe.connect()).rejects.toThrow();
  probe.disconnect();
});

it("says where to get Redis when REDIS_URL does not answer", async () => {
  const { findRedis } = await import("../../examples/demo/find-redis");
  const port = await freePort();
  await expect(findRedis({ REDIS_URL: `redis://127.0.0.1:${port}` })).rejects.toThrow(
    `REDIS_URL=redis://127.0.0.1:${port} does not answer; is Redis running there?`,
  );
});
