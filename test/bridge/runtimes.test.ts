// The bridge is Web-standard Request -> Response only, so it runs unchanged on Bun and Deno: each
// serves it from a real process (test/bridge/fixtures/serve-bridge.ts) and the real
// @upstash/redis client uses it for a push-shaped transaction, a pipeline and a script.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const TOKEN = "runtime-admin-token-0123456789";
const root = fileURLToPath(new URL("../../", import.meta.url));
const script = fileURLToPath(new URL("./fixtures/serve-bridge.ts", import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

const runtimes: { name: string; bin: string; args: string[] }[] = [
  { name: "Bun", bin: `${root}node_modules/.bin/bun`, args: [script] },
  {
    name: "Deno",
    bin: `${root}node_modules/.bin/deno`,
    // Our sources use extensionless imports (as bundlers and tsx do); Deno needs this flag for them.
    args: ["run", "-A", "--unstable-sloppy-imports", script],
  },
];

describe.each(runtimes)("the bridge on $name", ({ name, bin, args }) => {
  const missing = existsSync(bin) ? undefined : `${name} is not installed (${bin})`;
  const run = missing && process.env.CI !== "true" ? it.skip : it;
  if (missing && process.env.CI !== "true")
    console.warn(`skipping the bridge on ${name}: ${missing}`);

  run(
    `serves @upstash/redis: MULTI, pipeline, script fallback, errors${missing ? ` [${missing}]` : ""}`,
    async () => {
      if (missing) throw new Error(missing);
      const port = await start(bin, args);
      const redis = new UpstashRedis({
        url: `http://127.0.0.1:${port}`,
        token: TOKEN,
        automaticDeserialization: false,
        enableTelemetry: false,
      });
      const key = `${name}:queue`;
      await t.redis.del(key, `${name}:h`);
      expect(await redis.multi().sadd("queues", name).lpush(key, '{"a":1}').exec()).toEqual([1, 1]);
      expect(
        await redis.pipeline().lrange(key, 0, -1).hset(`${name}:h`, { f: "v" }).exec(),
      ).toEqual([['{"a":1}'], 1]);
      const lua = `return {ARGV[1], "${name}", ${Math.random()}}`;
      expect(await redis.createScript(lua).exec([], ["x"])).toEqual([
        "x",
        name,
        expect.any(Number),
      ]);
      await expect(redis.incr(key)).rejects.toThrow(/WRONGTYPE/);
      expect(await t.redis.lrange(key, 0, -1)).toEqual(['{"a":1}']);
      const wrong = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: '["PING"]' });
      expect(wrong.status).toBe(401);
    },
  );
});

async function start(bin: string, args: string[]): Promise<number> {
  const child = spawn(bin, args, {
    cwd: root,
    env: { ...process.env, REDIS_URL: t.url, BRIDGE_TOKEN: TOKEN, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start:\n${out}`)), 25_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${bin} exited ${code}:\n${out}`)));
  });
}
