// Serves edgekiq's bridge for this example on Node, in front of the Redis at REDIS_URL:
//   EDGEKIQ_BRIDGE_ENQUEUE_TOKEN=$(openssl rand -hex 32) REDIS_URL=redis://127.0.0.1:6379 npx tsx bridge.ts
// Tokens come from the environment (or a token file: see docs/bridge.md).
import { bridge, loadTokens } from "edgekiq/bridge";
import { serve } from "edgekiq/node";
import { Redis } from "ioredis";

const tokens = loadTokens({ env: process.env });
if (tokens.length === 0) {
  console.error("Set EDGEKIQ_BRIDGE_ENQUEUE_TOKEN (make one with: openssl rand -hex 32)");
  process.exit(1);
}
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const b = bridge({ redis, tokens });
const served = await serve(b.fetch, {
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 8079),
});
console.log(
  `bridge on ${served.url}; tokens: ${tokens.map((t) => `${t.name} (${typeof t.scope === "string" ? t.scope : "custom"})`).join(", ")}`,
);
