// A Cloudflare Worker that enqueues a Sidekiq job per request, over HTTP: @upstash/redis (its
// Cloudflare entry, plain fetch) talks to Upstash or to an edgekiq bridge in front of any Redis.
// No TCP, no Node built-ins.
//
//   POST /signup  {"email":"ada@example.com"}  ->  202 {"jid":"..."}
//
// Its Cron Trigger (wrangler.toml, every minute) enqueues the periodic table's due jobs
// (src/periodic.ts) with `cronTick`: periodic jobs without any long-lived process of ours.
import { Redis } from "@upstash/redis/cloudflare";
import { Client, cronTick } from "edgekiq";
import { SendWelcome } from "./jobs";
import { table } from "./periodic";

export interface Env {
  /** The bridge's (or Upstash's) REST URL, e.g. https://bridge.example.com */
  UPSTASH_REDIS_REST_URL: string;
  /** An `enqueue` token: it can push jobs and do nothing else. Set with `wrangler secret put`. */
  UPSTASH_REDIS_REST_TOKEN: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/signup") {
      return Response.json({ error: 'POST /signup with {"email": ...}' }, { status: 404 });
    }
    const body = (await request.json().catch(() => null)) as { email?: unknown } | null;
    if (typeof body?.email !== "string" || !body.email.includes("@")) {
      return Response.json({ error: "email is required" }, { status: 400 });
    }
    const redis = restRedis(env);
    // idempotent: a request the client retries after a lost response cannot push the job twice.
    const client = new Client({ redis, idempotent: true });
    const jid = await client.performAsync(SendWelcome, body.email);
    return Response.json({ jid }, { status: 202 });
  },

  /** The Cron Trigger: enqueue what is due at the trigger's time (one request for the table). */
  async scheduled(controller: { scheduledTime: number }, env: Env): Promise<void> {
    await cronTick({ redis: restRedis(env), periodic: table, now: controller.scheduledTime });
  },
};

function restRedis(env: Env): Redis {
  return new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false, // keep job payloads as the exact JSON text
    enableTelemetry: false,
  });
}
