// The edgekiq CLI from the built package under real Node, Bun and Deno: each runs jobs from a .ts
// jobs file, shows up in `processes`, quiets on SIGTSTP, and on SIGTERM exits 0 with its in-flight
// jobs back on their queue, byte for byte.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type CliProcess, jobJson as job, ROOT, type RuntimeName, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});

const runtimes: RuntimeName[] = ["node", "bun", "deno"];

describe.each(runtimes)("edgekiq worker on %s", (runtime) => {
  it("runs .ts jobs, is listed in processes, quiets on TSTP and requeues in-flight jobs on TERM", async () => {
    expect(existsSync(`${ROOT}/node_modules/.bin/${runtime === "node" ? "tsx" : runtime}`)).toBe(
      true,
    );
    await t.flush();
    await t.redis.lpush(
      "queue:default",
      job("Echo", [1, "two"], "a".repeat(24)),
      job("Echo", [{ ü: null }], "b".repeat(24)),
    );
    const cli = startCli(
      runtime,
      [
        "worker",
        "-r",
        "test/runtimes/fixtures/jobs.ts",
        "-c",
        "3",
        "-t",
        "1",
        "-q",
        "default",
        "-g",
        `cli-${runtime}`,
      ],
      {
        REDIS_URL: t.url,
      },
    );
    running.push(cli);

    // 1. It runs jobs and shows up in Sidekiq's processes set with its real pid.
    await waitFor(
      async () => (await t.redis.llen("ran")) === 2,
      30_000,
      `jobs to run on ${runtime}:\n${cli.output()}`,
    );
    const ran = (await t.redis.lrange("ran", 0, -1)).map((s) => JSON.parse(s));
    expect(ran.map((r) => r.jid).sort()).toEqual(["a".repeat(24), "b".repeat(24)]);
    expect(ran.find((r) => r.jid === "b".repeat(24)).args).toEqual([{ ü: null }]);
    const [identity] = await t.redis.smembers("processes");
    expect(identity).toBeDefined();
    const info = JSON.parse((await t.redis.hget(identity!, "info"))!);
    expect(info).toMatchObject({
      pid: cli.child.pid,
      tag: `cli-${runtime}`,
      concurrency: 3,
      queues: ["default"],
    });

    // 2. Two slow jobs are in flight.
    const slow = [job("Sleep", [60_000], "c".repeat(24)), job("Sleep", [60_000], "d".repeat(24))];
    await t.redis.lpush("queue:default", ...slow);
    await waitFor(
      async () => (await t.redis.llen("started")) === 2,
      15_000,
      `slow jobs to start:\n${cli.output()}`,
    );

    // 3. TSTP quiets: the process says so and fetches nothing new.
    cli.child.kill("SIGTSTP");
    await waitFor(
      async () => (await t.redis.hget(identity!, "quiet")) === "true",
      15_000,
      `quiet:\n${cli.output()}`,
    );
    const late = job("Echo", ["late"], "e".repeat(24));
    await t.redis.lpush("queue:default", late);
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.redis.llen("ran")).toBe(2);

    // 4. TERM: exit 0 within the 1 s timeout plus a margin; in-flight jobs back on the queue, unchanged.
    const before = Date.now();
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    expect(Date.now() - before).toBeLessThan(8_000);
    const queue = await t.redis.lrange("queue:default", 0, -1);
    expect(queue.sort()).toEqual([late, ...slow].sort());
    expect(await t.redis.smembers("processes")).toEqual([]);
    expect(await t.redis.keys("edgekiq:inprogress:*")).toEqual([]);
    expect(cli.output()).toMatch(/Got TERM signal/);
  }, 90_000);
});
