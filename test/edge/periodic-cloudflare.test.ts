// Periodic jobs from a Cloudflare Cron Trigger, in real workerd (miniflare's scheduled event):
// the Cloudflare example's `scheduled` handler runs cronTick through the bridge with an enqueue
// token; and an every-second table ticked from workerd beside two TCP workers lands each tick once.
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { periodic } from "../../src/index";
import { bundleForEdge, ENQUEUE_TOKEN, startEdgeBridge } from "../bridge/edge-harness";
import { useTestRedis } from "../helpers/redis";
import { testWorker } from "../integration/worker-helpers";

const t = await useTestRedis();
const edge = await startEdgeBridge(t.redis);
const bindings = {
  UPSTASH_REDIS_REST_URL: edge.served.url,
  UPSTASH_REDIS_REST_TOKEN: ENQUEUE_TOKEN,
};
const conditions = ["workerd", "worker", "browser"];

const example = new Miniflare({
  modules: true,
  script: (await bundleForEdge({ file: "examples/cloudflare-worker/src/index.ts" }, { conditions }))
    .code,
  compatibilityDate: "2026-01-01",
  bindings,
});

// The same handler shape as the example, with an every-second table (Cron Triggers fire each
// minute; a test cannot wait minutes) so workerd and two workers race for the same ticks.
const SECONDLY = `
import { Redis } from "@upstash/redis/cloudflare";
import { cronTick, periodic } from "edgekiq";
const table = [periodic("every-second", "* * * * * *", "Beat", [], { missed: "all" })];
export default {
  async fetch() { return new Response("scheduled only", { status: 404 }); },
  async scheduled(controller, env) {
    const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false, enableTelemetry: false });
    await cronTick({ redis, periodic: table, now: controller.scheduledTime });
  },
};`;
const racing = new Miniflare({
  modules: true,
  script: (await bundleForEdge({ contents: SECONDLY }, { conditions })).code,
  compatibilityDate: "2026-01-01",
  bindings,
});

afterAll(async () => {
  await example.dispose();
  await racing.dispose();
  await edge.close();
});

type Scheduled = (o: { scheduledTime: Date; cron: string }) => Promise<{ outcome: string }>;
async function fire(mf: Miniflare, when: Date | string): Promise<string> {
  const worker = (await mf.getWorker()) as unknown as { scheduled: Scheduled };
  const result = await worker.scheduled({ scheduledTime: new Date(when), cron: "* * * * *" });
  return result.outcome;
}

describe("cronTick in workerd", () => {
  it("the example's Cron Trigger enqueues each due tick once, through an enqueue token", async () => {
    await t.flush();
    edge.log.length = 0;
    // First run: both entries are new and their latest ticks (12:00, 02:30 Berlin) are old, so
    // they are recorded, not run.
    expect(await fire(example, "2026-06-01T12:04:30Z")).toBe("ok");
    expect(await t.redis.llen("queue:default")).toBe(0);
    expect(await t.redis.zrange("edgekiq:periodic", "0", "-1")).toEqual([
      "cleanup",
      "nightly-report",
    ]);
    expect(await fire(example, "2026-06-01T12:05:00Z")).toBe("ok");
    expect(await fire(example, "2026-06-01T12:05:00Z")).toBe("ok"); // a trigger fired twice
    expect(await fire(example, "2026-06-01T12:06:00Z")).toBe("ok");
    const jobs = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ class: "CleanupJob", queue: "default", args: [], retry: true });
    // The Berlin 02:30 tick of 2026-06-02 is 00:30 UTC.
    expect(await fire(example, "2026-06-02T00:30:00Z")).toBe("ok");
    const classes = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j).class);
    expect(classes.sort()).toEqual(["CleanupJob", "CleanupJob", "NightlyReport"]);
    // One pipeline request per trigger, every one allowed by the enqueue token.
    expect(edge.log.length).toBeGreaterThanOrEqual(5);
    expect(edge.log.every((r) => r.path === "/pipeline" && r.status === 200)).toBe(true);
  });

  it("beside two TCP workers ticking the same table: each tick once", async () => {
    await t.flush();
    const ticks = async () =>
      (await t.redis.lrange("edgekiq:periodic-runs:every-second", 0, -1))
        .map((r) => JSON.parse(r).at as number)
        .sort((a, b) => a - b);
    const fireFor = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        expect(await fire(racing, new Date())).toBe("ok");
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // workerd alone first: its ticks land through the bridge.
    await fireFor(2_500);
    const edgeOnly = await ticks();
    expect(edgeOnly.length).toBeGreaterThanOrEqual(2);

    const table = [periodic("every-second", "* * * * * *", "Beat", [], { missed: "all" })];
    for (let i = 0; i < 2; i++) {
      await testWorker(t.connect(), { queues: ["idle"], periodic: table }).start();
    }
    await fireFor(6_000);
    const all = await ticks();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe((all.at(-1)! - all[0]!) / 1000 + 1);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(await t.redis.llen("queue:default")).toBe(all.length);
  }, 30_000);
});
