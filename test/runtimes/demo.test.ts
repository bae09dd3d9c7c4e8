// `npm run demo` (the README's first command) works: it enqueues the sample jobs, a worker runs
// them (one after a retry, one scheduled), and it cleans up after itself.
import { execFile } from "node:child_process";
import { expect, it } from "vitest";
import { ROOT } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";

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
  expect(out).toMatch(/stats: processed=4 failed=1/);
  expect(out).toContain("[demo] all jobs ran");
  expect(code).toBe(0);
  expect(await t.redis.keys("*")).toEqual([]);
}, 100_000);
