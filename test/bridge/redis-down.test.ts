// Redis down or not answering, with the real CLI (#13 item 4): `edgekiq bridge` hung for minutes
// and printed "[ioredis] Unhandled error event" every ~2 s per pooled connection. Now: a 502 JSON
// error within --command-timeout, whether the port is closed or a server accepts the connection
// and never replies; one warning for the outage and one line for the recovery; a request refused
// during the outage never runs later. `edgekiq web` answers an error page in bounded time, and a
// worker whose Redis never answers says so.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "../helpers/cli";
import { freePort, type RedisServerHandle, startRedisServer } from "../helpers/redis-server";
import { waitFor } from "../helpers/ruby";
import { silentServer } from "../helpers/silent-server";

const ADMIN = "down-admin-token-0123456789abcd";
const running: CliProcess[] = [];
const redisServers: RedisServerHandle[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});
afterAll(async () => {
  for (const s of redisServers) await s.stop();
});

async function start(command: "bridge" | "web", port: number, env = {}): Promise<CliProcess> {
  const extra = command === "web" ? ["--open"] : [];
  const p = startCli(
    "node",
    [
      command,
      ...extra,
      "--port",
      "0",
      "--command-timeout",
      "1000",
      "--redis",
      `redis://127.0.0.1:${port}`,
    ],
    { EDGEKIQ_BRIDGE_ADMIN_TOKEN: ADMIN, ...env },
  );
  running.push(p);
  return p;
}

async function urlOf(p: CliProcess): Promise<string> {
  const m = await waitFor(
    () => / on (http:\/\/[^\s/]+)/.exec(p.output()),
    20_000,
    `the server to listen:\n${p.output()}`,
  );
  return m![1]!;
}

async function post(url: string, body: unknown) {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: (await res.json()) as { error?: string; result?: unknown },
    ms: performance.now() - started,
  };
}

function expectQuiet(output: string): void {
  expect(output).not.toContain("Unhandled error event");
  expect(output).not.toMatch(/^\s+at /m);
}

describe("edgekiq bridge without Redis", () => {
  it("a closed port: 502 within the timeout, one warning, no retried writes; then it recovers", async () => {
    const port = await freePort();
    const p = await start("bridge", port);
    const url = await urlOf(p);
    const answers = await Promise.all([
      post(url, ["PING"]),
      post(url, ["LPUSH", "queue:down", "{}"]),
      post(`${url}/pipeline`, [["PING"], ["GET", "x"]]),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(502);
      expect(a.type).toBe("application/json");
      expect(a.body.error).toMatch(/^ERR bridge cannot reach Redis: ECONNREFUSED/);
      expect(a.ms).toBeLessThan(3000);
    }
    // Several reconnect attempts later, still one line about it.
    await new Promise((r) => setTimeout(r, 2500));
    expect(p.output().match(/cannot reach Redis/g)).toHaveLength(1);
    expectQuiet(p.output());

    const redis = await startRedisServer({ port });
    redisServers.push(redis);
    await waitFor(async () => (await post(url, ["PING"])).status === 200, 20_000, "a PONG");
    expect(await post(url, ["LLEN", "queue:down"])).toMatchObject({ body: { result: 0 } });
    await waitFor(() => /reachable again/.test(p.output()), 10_000, "the recovery line");
    expect(p.output().match(/reachable again/g)).toHaveLength(1);
    expectQuiet(p.output());
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 60_000);

  it("a server that accepts and never answers: 502 within the timeout, and one warning", async () => {
    const silent = await silentServer();
    try {
      const p = await start("bridge", silent.port);
      const url = await urlOf(p);
      const a = await post(url, ["PING"]);
      expect(a.status).toBe(502);
      expect(a.body.error).toMatch(/^ERR bridge cannot reach Redis: /);
      expect(a.ms).toBeLessThan(3000);
      await waitFor(() => /cannot reach Redis/.test(p.output()), 10_000, "the warning");
      expect(p.output().match(/cannot reach Redis/g)).toHaveLength(1);
      expectQuiet(p.output());
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      await silent.close();
    }
  }, 30_000);
});

describe("edgekiq web and the worker without Redis", () => {
  it("web answers an error page within seconds, port closed or server silent", async () => {
    const silent = await silentServer();
    try {
      for (const port of [await freePort(), silent.port]) {
        const p = await start("web", port);
        const url = await urlOf(p);
        const started = performance.now();
        const res = await fetch(`${url}/queues`);
        expect(res.status).toBeGreaterThanOrEqual(500);
        await res.text();
        expect(performance.now() - started).toBeLessThan(3000);
        expectQuiet(p.output());
        p.child.kill("SIGTERM");
        expect(await p.exited).toBe(0);
      }
    } finally {
      await silent.close();
    }
  }, 40_000);

  it("a worker whose Redis accepts and never answers logs the stall once", async () => {
    const silent = await silentServer();
    try {
      const p = startCli("node", [
        "worker",
        "-r",
        "test/runtimes/fixtures/jobs.ts",
        "--redis",
        `redis://127.0.0.1:${silent.port}`,
      ]);
      running.push(p);
      await waitFor(
        () => /cannot reach Redis/.test(p.output()),
        15_000,
        `the warning:\n${p.output()}`,
      );
      expect(p.output()).toMatch(
        new RegExp(
          `WARN\\s+cannot reach Redis at redis://127\\.0\\.0\\.1:${silent.port}/0 \\(connected, but no answer in 5s\\); still waiting`,
        ),
      );
      expect(p.output().match(/cannot reach Redis/g)).toHaveLength(1);
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      await silent.close();
    }
  }, 30_000);
});
