// examples/cloudflare-worker in real workerd (miniflare): the Worker enqueues through the bridge on
// loopback with an enqueue-only token; the exact Sidekiq payload lands in queue:mailers, and our
// worker then runs it.
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import {
  bundleForEdge,
  ENQUEUE_TOKEN,
  nodeBuiltinImports,
  startEdgeBridge,
} from "../bridge/edge-harness";
import { useTestRedis } from "../helpers/redis";
import { runQueueOnWorker } from "../helpers/run-queue";

const t = await useTestRedis();
const edge = await startEdgeBridge(t.redis);
const bundle = await bundleForEdge(
  { file: "examples/cloudflare-worker/src/index.ts" },
  { conditions: ["workerd", "worker", "browser"] },
);
const mf = new Miniflare({
  modules: true,
  script: bundle.code,
  compatibilityDate: "2026-01-01",
  bindings: { UPSTASH_REDIS_REST_URL: edge.served.url, UPSTASH_REDIS_REST_TOKEN: ENQUEUE_TOKEN },
});
afterAll(async () => {
  await mf.dispose();
  await edge.close();
});

describe("the Cloudflare Worker example in workerd", () => {
  it("bundles with no Node built-ins", () => {
    expect(nodeBuiltinImports(bundle.metafile)).toEqual([]);
    expect(Object.keys(bundle.metafile.inputs).some((p) => p.includes("ioredis"))).toBe(false);
  });

  it("enqueues the exact Sidekiq job through the bridge, and our worker runs it", async () => {
    await t.flush();
    const before = Date.now() / 1000;
    const res = await mf.dispatchFetch("http://example.test/signup", {
      method: "POST",
      body: JSON.stringify({ email: "ada@example.com" }),
    });
    expect(res.status).toBe(202);
    const { jid } = (await res.json()) as { jid: string };
    expect(jid).toMatch(/^[0-9a-f]{24}$/);
    // Idempotent mode: one EVALSHA (plus one EVAL the first time the script meets this Redis).
    expect(edge.log.every((r) => r.path === "/")).toBe(true);
    expect(edge.log.at(-1)!.status).toBe(200);

    const raw = await t.redis.lrange("queue:mailers", 0, -1);
    expect(raw).toHaveLength(1);
    const job = JSON.parse(raw[0]!);
    // The key order performAsync writes (Sidekiq's readers do not care; byte-level checks do).
    expect(Object.keys(job)).toEqual([
      "retry",
      "queue",
      "args",
      "class",
      "jid",
      "created_at",
      "enqueued_at",
    ]);
    expect(job).toMatchObject({
      retry: 5,
      queue: "mailers",
      class: "SendWelcome",
      args: ["ada@example.com"],
      jid,
    });
    expect(job.created_at).toBeGreaterThanOrEqual(before - 1);
    expect(raw[0]).toMatch(/"enqueued_at":\d{10}\.\d+}$/);
    expect(await t.redis.smembers("queues")).toEqual(["mailers"]);

    expect(await runQueueOnWorker(t.redis, "mailers", "SendWelcome")).toEqual([
      { args: ["ada@example.com"], jid },
    ]);
    expect(await t.redis.llen("queue:mailers")).toBe(0);
  });

  it("answers a bad request without touching Redis", async () => {
    await t.flush();
    const res = await mf.dispatchFetch("http://example.test/signup", {
      method: "POST",
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await t.redis.dbsize()).toBe(0);
  });
});
