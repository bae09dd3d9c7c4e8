// End-to-end encryption from real workerd (miniflare): a Worker seals a card number with
// AES-256-GCM through Web Crypto and pushes through the bridge with a token limited to the
// `payments` queue; the bridge's traffic and every key in Redis hold no plaintext (a unique
// canary string), and our worker, holding the key, runs the job with the plaintext.
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { silentLogger } from "../../src/worker/logger";
import { Worker } from "../../src/worker/worker";
import { bundleForEdge, nodeBuiltinImports } from "../bridge/edge-harness";
import { serveFetch } from "../bridge/serve";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const TOKEN = "payments-enqueue-token-0123456789";
const KEY = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

const b = bridge({
  redis: t.redis,
  tokens: [{ name: "payments", token: TOKEN, scope: "enqueue", queues: ["payments"] }],
});
/** Every request and response body the bridge saw. */
const traffic: string[] = [];
const served = await serveFetch({
  fetch: async (request) => {
    traffic.push(await request.clone().text());
    const response = await b.fetch(request);
    traffic.push(await response.clone().text());
    return response;
  },
});

const WORKER_SOURCE = `
import { Client, defineJob, fromUpstash, keyRing } from "./src/index.ts";
import { Redis } from "@upstash/redis";

const Charge = defineJob({ name: "Charge", queue: "payments", encrypt: true });

export default {
  async fetch(request, env) {
    const { amount, card } = await request.json();
    const redis = new Redis({ url: env.BRIDGE_URL, token: env.BRIDGE_TOKEN, enableTelemetry: false });
    const client = new Client({
      redis: fromUpstash(redis),
      encryption: keyRing({ current: "k1", keys: { k1: env.EDGEKIQ_KEY } }),
    });
    const jid = await client.performAsync(Charge, amount, { card });
    return Response.json({ jid }, { status: 202 });
  },
};
`;

const bundle = await bundleForEdge(
  { contents: WORKER_SOURCE },
  { conditions: ["workerd", "worker", "browser"] },
);
const mf = new Miniflare({
  modules: true,
  script: bundle.code,
  compatibilityDate: "2026-01-01",
  bindings: { BRIDGE_URL: served.url, BRIDGE_TOKEN: TOKEN, EDGEKIQ_KEY: KEY },
});
afterAll(async () => {
  await mf.dispose();
  await served.close();
  await b.close();
});

async function everyValue(): Promise<string> {
  const out: string[] = [];
  for (const key of await t.redis.keys("*")) {
    out.push(key, (await t.redis.dumpBuffer(key))?.toString("latin1") ?? "");
    const type = await t.redis.type(key);
    if (type === "list") out.push(...(await t.redis.lrange(key, 0, -1)));
    if (type === "set") out.push(...(await t.redis.smembers(key)));
  }
  return out.join("\n");
}

describe("encrypted push from workerd through a queue-limited bridge token", () => {
  it("bundles with no Node built-ins", () => {
    expect(nodeBuiltinImports(bundle.metafile)).toEqual([]);
  });

  it("Redis and the bridge see only ciphertext; the worker runs the plaintext", async () => {
    await t.flush();
    const canary = `4111-canary-${crypto.randomUUID()}`;
    const res = await mf.dispatchFetch("http://example.test/charge", {
      method: "POST",
      body: JSON.stringify({ amount: 1250, card: canary }),
    });
    expect(res.status).toBe(202);
    const { jid } = (await res.json()) as { jid: string };

    const [raw] = await t.redis.lrange("queue:payments", 0, -1);
    const job = JSON.parse(raw!);
    expect(job).toMatchObject({ class: "Charge", queue: "payments", encrypt: true, jid });
    expect(job.args[0]).toBe(1250);
    expect(job.args[1]).toMatch(/^edgekiq:v1:k1:/);
    expect(traffic.length).toBeGreaterThan(0);
    expect(traffic.join("\n")).toContain("edgekiq:v1:k1:");
    expect(traffic.join("\n")).not.toContain(canary);
    expect(await everyValue()).not.toContain(canary);

    const ran: unknown[] = [];
    const worker = new Worker({
      redis: t.redis,
      queues: ["payments"],
      logger: silentLogger,
      handleSignals: false,
      encryption: { current: "k1", keys: { k1: KEY } },
    });
    worker.register("Charge", (args, ctx) => {
      ran.push({ args, jid: ctx.jid });
    });
    await worker.start();
    try {
      const deadline = Date.now() + 10_000;
      while (ran.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await worker.stop();
    }
    expect(ran).toEqual([{ args: [1250, { card: canary }], jid }]);
  });
});
