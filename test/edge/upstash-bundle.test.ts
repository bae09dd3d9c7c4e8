// An edge enqueue (edgekiq's Client + @upstash/redis/cloudflare) bundled as Wrangler would
// (neutral platform, workerd/worker/browser conditions, minified): no Node built-ins anywhere in
// it, no ioredis, and edgekiq's own share held to a size budget (min+gzip).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bundleForEdge, nodeBuiltinImports, shippedThirdParty } from "../bridge/edge-harness";

/**
 * edgekiq's share of an edge enqueue, minified + gzipped: measured at 5,158 bytes (2026-11: Client
 * with idempotent mode, REST adapter, job model, JSON, clock; 13.1 kB minified), then 5,549 bytes
 * (2026-11-29: the bulk-push work and the single-push Lua script of the TCP path, which the client
 * carries whatever its transport; 14.1 kB minified). The budget leaves about 8% headroom.
 */
const CLIENT_BUDGET_GZIP_BYTES = 6_000;

const ENTRY = `
import { Redis } from "@upstash/redis/cloudflare";
import { Client, defineJob } from "edgekiq";

const Welcome = defineJob({ name: "SendWelcome", queue: "mailers" });

export default {
  async fetch(request, env) {
    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false,
    });
    const client = new Client({ redis, idempotent: true });
    const jid = await client.performAsync(Welcome, await request.text());
    return Response.json({ jid });
  },
};
`;

const conditions = ["workerd", "worker", "browser"];

describe("edge enqueue bundle", () => {
  it("has no Node built-ins and no ioredis, with @upstash/redis bundled in", async () => {
    const full = await bundleForEdge({ contents: ENTRY }, { conditions, minify: true });
    expect(nodeBuiltinImports(full.metafile)).toEqual([]);
    const inputs = Object.keys(full.metafile.inputs);
    expect(inputs.some((p) => p.includes("ioredis"))).toBe(false);
    expect(inputs.some((p) => p.includes("@upstash/redis"))).toBe(true);
    const gz = gzipSync(full.code).length;
    console.log(
      `edge enqueue bundle (edgekiq + @upstash/redis): ${full.code.length} B min, ${gz} B min+gzip`,
    );
  });

  it(`keeps edgekiq's own share within ${CLIENT_BUDGET_GZIP_BYTES} bytes min+gzip`, async () => {
    const own = await bundleForEdge(
      { contents: ENTRY },
      { conditions, minify: true, external: ["@upstash/redis", "@upstash/redis/*"] },
    );
    expect(nodeBuiltinImports(own.metafile)).toEqual([]);
    expect(shippedThirdParty(own.metafile)).toEqual([]);
    const gz = gzipSync(own.code).length;
    console.log(`edgekiq's share of an edge enqueue: ${own.code.length} B min, ${gz} B min+gzip`);
    expect(gz).toBeLessThanOrEqual(CLIENT_BUDGET_GZIP_BYTES);
  });
});
