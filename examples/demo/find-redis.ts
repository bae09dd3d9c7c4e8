// Finds a Redis for the demo: REDIS_URL, else 127.0.0.1:6379, else a redis-server started on a
// free port (stopped again by `stop()`), else a message on how to get one.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export interface FoundRedis {
  url: string;
  how: string;
  stop(): Promise<void>;
}

export async function findRedis(
  env: Record<string, string | undefined>,
  localUrl = "redis://127.0.0.1:6379",
): Promise<FoundRedis> {
  const candidates = env.REDIS_URL
    ? [[env.REDIS_URL, "REDIS_URL"]]
    : [[localUrl, "the local Redis"]];
  for (const [url, how] of candidates) {
    if (await answers(url!)) return { url: url!, how: how!, stop: async () => {} };
    if (env.REDIS_URL)
      throw new Error(`REDIS_URL=${env.REDIS_URL} does not answer; is Redis running there?`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "edgekiq-demo-"));
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    {
      stdio: "ignore",
    },
  );
  const started = await new Promise<boolean>((resolve) => {
    child.once("error", () => resolve(false));
    const deadline = Date.now() + 5000;
    const poll = async () => {
      if (await answers(`redis://127.0.0.1:${port}`)) resolve(true);
      else if (Date.now() > deadline || child.exitCode !== null) resolve(false);
      else setTimeout(poll, 100);
    };
    setTimeout(poll, 50);
  });
  if (!started) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      "no Redis found: nothing answers on 127.0.0.1:6379 and no redis-server is on the PATH.\n" +
        "Get one with `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS),\n" +
        "or point the demo at one: REDIS_URL=redis://host:6379 npm run demo",
    );
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    how: `a redis-server started for the demo on port ${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
