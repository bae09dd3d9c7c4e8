// Batches and results from the edge, in real workerd (miniflare): a Worker creates a batch of
// 1,000 jobs with a success callback in one request to the bridge with an enqueue-only token;
// our worker runs them and the callback; then the Worker waits for a job's result over REST with
// a token that can read results and nothing else. The enqueue token cannot use the batch
// script's other operation (which acknowledges jobs).

import { Redis as UpstashRedis } from "@upstash/redis";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { BatchSet, jobProgress } from "../../src/api";
import { bridge } from "../../src/bridge";
import { Batch } from "../../src/core/batch/batch";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { batchStep } from "../../src/redis/scripts/index.gen";
import { bundleForEdge, nodeBuiltinImports } from "../bridge/edge-harness";
import { serveFetch } from "../bridge/serve";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor as until } from "../integration/worker-helpers";

const ENQUEUE = "batch-edge-enqueue-token-0123456789";
const RESULTS = "batch-edge-results-token-0123456789";
const READ = "batch-edge-read-token-0123456789abc";

const t = await useTestRedis();
const b = bridge({
  redis: t.redis,
  tokens: [
    { name: "edge", token: ENQUEUE, scope: "enqueue" },
    { name: "read", token: READ, scope: "read" },
    {
      name: "results",
      token: RESULTS,
      scope: { commands: ["get", "mget"], keys: ["edgekiq:result:*"] },
    },
  ],
});
const requests: string[] = [];
const served = await serveFetch({
  fetch: (request) => {
    requests.push(new URL(request.url).pathname);
    return b.fetch(request);
  },
});

// The Worker: POST /batch creates the batch; GET /result?jid= waits for a result.
const bundle = await bundleForEdge(
  {
    contents: `
      import { Redis } from "@upstash/redis/cloudflare";
      import { Batch, Client, waitFor } from "./src/index.ts";
      const redis = (env, token) => new Redis({ url: env.URL, token, automaticDeserialization: false, enableTelemetry: false });
      export default {
        async fetch(request, env) {
          const url = new URL(request.url);
          if (url.pathname === "/batch") {
            const client = new Client({ redis: redis(env, env.ENQUEUE) });
            const batch = new Batch(client, {
              description: "from the edge",
              callbacks: { success: { class: "Done", args: ["all good"], queue: "callbacks" } },
            });
            const jids = await batch.add(async (b) => {
              for (let i = 0; i < 1000; i++) await b.push({ class: "Square", args: [i], result_ttl: 600 });
            });
            return Response.json({ bid: batch.bid, jids });
          }
          const client = new Client({ redis: redis(env, env.RESULTS) });
          const value = await waitFor(client, url.searchParams.get("jid"), { timeout: 10 });
          return Response.json({ value });
        },
      };`,
  },
  { conditions: ["workerd", "worker", "browser"] },
);
const mf = new Miniflare({
  modules: true,
  script: bundle.code,
  compatibilityDate: "2026-01-01",
  bindings: { URL: served.url, ENQUEUE, RESULTS },
});
afterAll(async () => {
  await mf.dispose();
  await served.close();
  await b.close();
});

describe("batches from workerd through the bridge", () => {
  it("bundles with no Node built-ins", () => {
    expect(nodeBuiltinImports(bundle.metafile)).toEqual([]);
  });

  it("creates a 1,000-job batch in one request; our worker runs it to its callback", async () => {
    await t.flush();
    requests.length = 0;
    const res = await mf.dispatchFetch("http://example.test/batch", { method: "POST" });
    expect(res.status).toBe(200);
    const { bid, jids } = (await res.json()) as { bid: string; jids: string[] };
    expect(jids).toHaveLength(1000);
    // One EVALSHA (plus one EVAL the first time the script meets this Redis): at most 2 requests.
    expect(requests.length).toBeLessThanOrEqual(2);
    const client = new Client({ redis: t.redis });
    expect(await Batch.status(client, bid)).toMatchObject({
      total: 1000,
      pending: 1000,
      description: "from the edge",
    });

    const w = testWorker(t.redis, { queues: ["default", "callbacks"], concurrency: 20 });
    const done: unknown[] = [];
    w.register("Square", async (args) => Number(args[0]) ** 2);
    w.register("Done", async (args, ctx) => {
      done.push([args, ctx.payload.callback_bid, ctx.payload.callback_event]);
    });
    await w.start();
    await until(() => done.length > 0, { what: "the success callback" });
    expect(done).toEqual([[["all good"], bid, "success"]]);
    expect(await Batch.status(client, bid)).toMatchObject({ pending: 0, success: true });

    // waitFor over REST, from workerd, with a token that reads results only.
    const r = await mf.dispatchFetch(`http://example.test/result?jid=${jids[12]}`);
    expect(await r.json()).toEqual({ value: 144 });
  });

  it("a read token reads batches and progress through the bridge as over TCP", async () => {
    const tcp = new Client({ redis: t.redis });
    const batch = new Batch(tcp, { description: "read me" });
    const [jid] = await batch.add((b) => b.push({ class: "Nothing", args: [] }));
    await t.redis.set(`edgekiq:progress:${jid}`, "7");
    const rest = fromUpstash(
      new UpstashRedis({
        url: served.url,
        token: READ,
        automaticDeserialization: false,
        enableTelemetry: false,
      }),
    );
    const overRest = new BatchSet({ redis: rest });
    expect(await overRest.find(batch.bid)).toEqual(
      await new BatchSet({ redis: t.redis }).find(batch.bid),
    );
    expect((await overRest.page(1)).items.map((s) => s.bid)).toContain(batch.bid);
    expect(await jobProgress({ redis: rest }, [jid!, "nope"])).toEqual([7, undefined]);
    // Still read-only: the batch script is refused.
    await expect(new Batch(new Client({ redis: rest })).add()).rejects.toThrow(/NOPERM/);
  });

  it("refuses the enqueue token the batch script's finish (it acknowledges and writes)", async () => {
    const res = await fetch(served.url, {
      method: "POST",
      headers: { authorization: `Bearer ${ENQUEUE}` },
      body: JSON.stringify(["evalsha", batchStep.sha1, "0", "finish", "", "0"]),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/NOPERM/);
  });
});
