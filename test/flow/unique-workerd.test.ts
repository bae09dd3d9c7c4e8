// A unique push from real workerd (miniflare) through the bridge with an enqueue-only token, via
// @upstash/redis's Cloudflare entry: the first request lands the job, the same job again is
// refused (null), and a token-scoped bridge still refuses a lock outside the unique key space.
import { Redis as Upstash } from "@upstash/redis";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { pushUnique } from "../../src/redis/scripts/index.gen";
import { bundleForEdge, ENQUEUE_TOKEN, startEdgeBridge } from "../bridge/edge-harness";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const edge = await startEdgeBridge(t.redis);
const bundle = await bundleForEdge(
  {
    contents: `
      import { Redis } from "@upstash/redis/cloudflare";
      import { Client, defineJob, uniqueJobs } from "./src/index.ts";
      const Sync = defineJob({ name: "SyncAccount", queue: "sync", unique: { for: 120 } });
      export default {
        async fetch(request, env) {
          const redis = new Redis({ url: env.URL, token: env.TOKEN,
            automaticDeserialization: false, enableTelemetry: false });
          const client = new Client({ redis, unique: uniqueJobs });
          const account = new URL(request.url).searchParams.get("account");
          return Response.json({ jid: await client.performAsync(Sync, account) });
        },
      };`,
  },
  { conditions: ["workerd", "worker", "browser"] },
);
const mf = new Miniflare({
  modules: true,
  script: bundle.code,
  compatibilityDate: "2026-01-01",
  bindings: { URL: edge.served.url, TOKEN: ENQUEUE_TOKEN },
});
afterAll(async () => {
  await mf.dispose();
  await edge.close();
});

const call = async (account: string) => {
  const res = await mf.dispatchFetch(`http://example.test/?account=${account}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { jid: string | null }).jid;
};

describe("unique push from workerd through the bridge", () => {
  it("lands the first push, refuses the duplicate, lets another account through", async () => {
    await t.flush();
    const first = await call("acme");
    expect(first).toMatch(/^[0-9a-f]{24}$/);
    expect(await call("acme")).toBeNull();
    expect(await call("globex")).toMatch(/^[0-9a-f]{24}$/);
    const jobs = (await t.redis.lrange("queue:sync", 0, -1)).map((j) => JSON.parse(j));
    expect(jobs.map((j) => j.args[0]).sort()).toEqual(["acme", "globex"]);
    expect(await t.redis.get("edgekiq:unique:duplicates")).toBe("1");
    // One request per push, plus one EVAL the first time the script meets this Redis.
    expect(edge.log.filter((r) => r.status === 200)).toHaveLength(3);
    expect(edge.log.length).toBeLessThanOrEqual(4);
  });

  it("an enqueue token cannot use the unique script to write outside the lock and queue keys", async () => {
    const upstash = new Upstash({
      url: edge.served.url,
      token: ENQUEUE_TOKEN,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    const job = JSON.stringify({ class: "X", args: [], queue: "q", jid: "j1" });
    const attempt = (keys: string[]) =>
      upstash.evalsha(pushUnique.sha1, keys, ["q", "", job, "60:j1"]);
    await expect(
      attempt(["queues", "schedule", "edgekiq:unique:duplicates", "stat:processed", "queue:q"]),
    ).rejects.toThrow(/NOPERM/);
    await expect(
      attempt(["queues", "schedule", "dead", `edgekiq:unique:${"a".repeat(64)}`, "queue:q"]),
    ).rejects.toThrow(/NOPERM/);
    expect(await t.redis.exists("stat:processed", "dead")).toBe(0);
    // The well-formed call goes through.
    await attempt([
      "queues",
      "schedule",
      "edgekiq:unique:duplicates",
      `edgekiq:unique:${"a".repeat(64)}`,
      "queue:q",
    ]);
    expect(await t.redis.llen("queue:q")).toBe(1);
  });
});
