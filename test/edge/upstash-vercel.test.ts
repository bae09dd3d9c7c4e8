// examples/vercel-edge in edge-runtime (Vercel's Edge runtime emulation): the route handler
// enqueues through the bridge on loopback with an enqueue-only token; the exact Sidekiq payload
// lands in queue:mailers, and our worker then runs it.
import { EdgeRuntime } from "edge-runtime";
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
// As Next.js builds an Edge route: edge conditions, env values inlined at build time.
const bundle = await bundleForEdge(
  { file: "examples/vercel-edge/app/api/enqueue/route.ts" },
  {
    conditions: ["edge-light", "worker", "browser"],
    format: "iife",
    globalName: "route",
    define: {
      "process.env.UPSTASH_REDIS_REST_URL": JSON.stringify(edge.served.url),
      "process.env.UPSTASH_REDIS_REST_TOKEN": JSON.stringify(ENQUEUE_TOKEN),
    },
  },
);
const runtime = new EdgeRuntime({
  initialCode: `${bundle.code}
addEventListener("fetch", (event) => event.respondWith(route.POST(event.request)));`,
});
afterAll(() => edge.close());

describe("the Vercel Edge example in edge-runtime", () => {
  it("bundles with no Node built-ins", () => {
    expect(nodeBuiltinImports(bundle.metafile)).toEqual([]);
    expect(Object.keys(bundle.metafile.inputs).some((p) => p.includes("ioredis"))).toBe(false);
  });

  it("enqueues the exact Sidekiq job through the bridge, and our worker runs it", async () => {
    await t.flush();
    const res = await runtime.dispatchFetch("http://example.test/api/enqueue", {
      method: "POST",
      body: JSON.stringify({ email: "grace@example.com" }),
    });
    expect(res.status).toBe(202);
    const { jid } = (await res.json()) as { jid: string };
    expect(jid).toMatch(/^[0-9a-f]{24}$/);
    expect(edge.log.at(-1)).toEqual({ path: "/", status: 200 });

    const raw = await t.redis.lrange("queue:mailers", 0, -1);
    expect(raw).toHaveLength(1);
    const job = JSON.parse(raw[0]!);
    expect(job).toMatchObject({
      retry: 5,
      queue: "mailers",
      class: "SendWelcome",
      args: ["grace@example.com"],
      jid,
    });
    expect(raw[0]).toMatch(/"created_at":\d{10}\.\d+,"enqueued_at":\d{10}\.\d+}$/);

    expect(await runQueueOnWorker(t.redis, "mailers", "SendWelcome")).toEqual([
      { args: ["grace@example.com"], jid },
    ]);
  });
});
