// #14 item 2: a Worker embedded as the README shows it (`new Worker({ redis, queues, concurrency })`,
// no `platform`) behaves as the CLI's on real Node, Bun and Deno: its identity carries the real
// hostname and pid (not `localhost:0:…`), the heartbeat a real RSS, and SIGTERM stops it
// gracefully: the running job goes back to its queue byte for byte, `worker.stopped` resolves and
// the process exits 0 (it used to die of the signal with 143 and leave the job in progress).
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { jobJson, ROOT, type RuntimeName, runtimeCommand } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

const runtimes: RuntimeName[] = ["node", "bun", "deno"];

describe.each(runtimes)("an embedded Worker without a platform on %s", (runtime) => {
  it("shows its real hostname and pid, and requeues its running job on SIGTERM, exit 0", async () => {
    await t.flush();
    const sleeping = jobJson("Sleep", [], "f".repeat(24));
    await t.redis.lpush("queue:default", sleeping);
    const [cmd, pre] = runtimeCommand(runtime, "test/runtimes/fixtures/embedded-worker.mjs");
    const env: Record<string, string | undefined> = { ...process.env, REDIS_URL: t.url };
    delete env.DYNO;
    const child = spawn(cmd, pre, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    const exited = new Promise<number | string>((resolve) =>
      child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
    );

    await waitFor(
      async () => (await t.redis.llen("started")) === 1,
      30_000,
      `the job to start on ${runtime}:\n${out}`,
    );
    const [identity] = await t.redis.smembers("processes");
    expect(identity).toMatch(new RegExp(`^${hostname()}:${child.pid}:[0-9a-f]{12}$`));
    const info = JSON.parse((await t.redis.hget(identity!, "info"))!);
    expect(info).toMatchObject({ hostname: hostname(), pid: child.pid });
    await waitFor(
      async () => Number(await t.redis.hget(identity!, "rss")) > 0,
      15_000,
      `a heartbeat with the RSS:\n${out}`,
    );
    expect(await t.redis.llen("queue:default")).toBe(0);

    child.kill("SIGTERM");
    expect({ code: await exited, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/Got TERM signal/);
    expect(await t.redis.lrange("queue:default", 0, -1)).toEqual([sleeping]);
    expect(await t.redis.smembers("processes")).toEqual([]);
    expect(await t.redis.keys("edgekiq:inprogress:*")).toEqual([]);
  }, 60_000);
});
