// The observability flags of the built CLI, end to end: `edgekiq worker --metrics-port` on Node,
// Bun and Deno (each through its own server), `edgekiq metrics` with its bearer token, and the
// audit trail as JSON lines from `edgekiq bridge --audit-log FILE` (a 403 and a 401 from the real
// @upstash/redis client, with the token's name and never its secret) and `edgekiq web --audit-log -`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/core/audit";
import { type CliProcess, type RuntimeName, runCli, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const dir = mkdtempSync(join(tmpdir(), "edgekiq-audit-"));
const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listening(p: CliProcess, pattern: RegExp, what: string): Promise<string> {
  const m = await waitFor(() => pattern.exec(p.output()), 30_000, `${what}:\n${p.output()}`);
  return m?.[1] ?? "";
}

describe("edgekiq worker --metrics-port", () => {
  it.each(["node", "bun", "deno"] as RuntimeName[])(
    "serves the worker's metrics on %s",
    async (runtime) => {
      await t.flush();
      const p = startCli(
        runtime,
        ["worker", "-r", "test/runtimes/fixtures/jobs.ts", "-c", "3", "--metrics-port", "0"],
        { REDIS_URL: t.url },
      );
      running.push(p);
      const url = await listening(p, /metrics on (http:\/\/\S+\/metrics)/, "the metrics endpoint");
      await t.redis.lpush(
        "queue:default",
        JSON.stringify({ class: "Echo", args: [1], jid: "a".repeat(24), queue: "default" }),
      );
      await waitFor(async () => (await t.redis.llen("ran")) === 1, 20_000, "the job to run");
      const text = await waitFor(
        async () => {
          const body = await (await fetch(url)).text();
          return body.includes('edgekiq_jobs_succeeded_total{class="Echo",queue="default"} 1')
            ? body
            : undefined;
        },
        10_000,
        "the job counted",
      );
      expect(text).toContain("edgekiq_worker_concurrency 3\n");
      expect(text).toMatch(/process_resident_memory_bytes \d+/);
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    },
    60_000,
  );
});

describe("edgekiq metrics", () => {
  it("refuses to serve off loopback without a token", async () => {
    const r = await runCli("node", ["metrics", "--host", "0.0.0.0", "--redis", t.url]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/set EDGEKIQ_METRICS_TOKEN to serve metrics on 0\.0\.0\.0/);
  });

  it("serves the fleet's metrics to the bearer of the token", async () => {
    await t.flush();
    await t.redis.lpush("queue:reports", "{}", "{}");
    await t.redis.sadd("queues", "reports");
    const token = "metrics-token-0123456789";
    const p = startCli("node", ["metrics", "--port", "0", "--redis", t.url], {
      EDGEKIQ_METRICS_TOKEN: token,
    });
    running.push(p);
    const url = await listening(p, /metrics on (http:\/\/\S+\/metrics)/, "edgekiq metrics");
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('edgekiq_queue_size{queue="reports"} 2\n');
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });
});

describe("--audit-log", () => {
  it("edgekiq bridge writes refused requests as JSON lines, with the token's name only", async () => {
    const file = join(dir, "bridge-audit.jsonl");
    const secret = "enqueue-secret-0123456789abcdef";
    const p = startCli("node", ["bridge", "--port", "0", "--redis", t.url, "--audit-log", file], {
      EDGEKIQ_BRIDGE_ENQUEUE_TOKEN: secret,
    });
    running.push(p);
    const url = await listening(p, /bridge on (http:\/\/\S+)/, "the bridge");
    const enqueueOnly = new UpstashRedis({ url, token: secret, enableTelemetry: false });
    await expect(enqueueOnly.get("some-key")).rejects.toThrow(/NOPERM/);
    const wrong = new UpstashRedis({
      url,
      token: "not-a-token",
      enableTelemetry: false,
      retry: false,
    });
    await expect(wrong.get("some-key")).rejects.toThrow();
    const lines = await waitFor(
      () => {
        const text = readFileSync(file, "utf8").trim();
        return text.split("\n").length >= 2 ? text.split("\n") : undefined;
      },
      10_000,
      "two audit lines",
    );
    const [forbidden, unauthenticated] = lines!.map((l) => JSON.parse(l) as AuditEvent);
    expect(forbidden).toMatchObject({
      source: "bridge",
      actor: "env-enqueue",
      action: "bridge.request",
      client: "127.0.0.1",
      outcome: "refused",
      status: 403,
    });
    expect(forbidden!.reason).toMatch(/^NOPERM/);
    // The path the client used (it may pipeline), then the command names, never their arguments.
    expect(forbidden!.target).toMatch(/^\/(pipeline)? ?get$/);
    expect(unauthenticated).toMatchObject({ actor: null, status: 401, outcome: "refused" });
    const all = readFileSync(file, "utf8");
    expect(all).not.toContain(secret);
    expect(all).not.toContain("not-a-token");
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  it("edgekiq web --audit-log - writes the events to stdout", async () => {
    const p = startCli("node", ["web", "--port", "0", "--redis", t.url, "--audit-log", "-"], {
      EDGEKIQ_WEB_USERNAME: "ops",
      EDGEKIQ_WEB_PASSWORD: "s3cret-password",
    });
    running.push(p);
    const base = await listening(p, /dashboard on (http:\/\/[^\s/]+)/, "the dashboard");
    const res = await fetch(`${base}/queues/default`, {
      method: "POST",
      body: new URLSearchParams({ action: "clear" }),
    });
    expect(res.status).toBe(401);
    const line = await waitFor(
      () =>
        p
          .output()
          .split("\n")
          .find((l) => l.startsWith('{"time"')),
      10_000,
      "an audit line",
    );
    expect(JSON.parse(line!)).toMatchObject({
      source: "dashboard",
      action: "queue.post",
      target: "default",
      outcome: "refused",
      status: 401,
      client: "127.0.0.1",
    });
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  it("refuses an audit log it cannot write", async () => {
    const r = await runCli(
      "node",
      ["bridge", "--redis", t.url, "--audit-log", join(dir, "no-such-dir", "audit.jsonl")],
      { EDGEKIQ_BRIDGE_ENQUEUE_TOKEN: "enqueue-secret-0123456789abcdef" },
    );
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/cannot write audit log/);
  });
});
