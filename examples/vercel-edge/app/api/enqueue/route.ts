// A Next.js route handler on the Edge runtime that enqueues a Sidekiq job per request, over HTTP:
// @upstash/redis talks to Upstash or to an edgekiq bridge in front of any Redis. No TCP, no Node
// built-ins.
//
//   POST /api/enqueue  {"email":"ada@example.com"}  ->  202 {"jid":"..."}
import { Redis } from "@upstash/redis";
import { Client } from "edgekiq";
import { SendWelcome } from "../../../lib/jobs";

export const runtime = "edge";

// Module scope: one client per isolate, reused across requests.
const client = new Client({
  redis: new Redis({
    // The bridge's (or Upstash's) REST URL, and an `enqueue` token (it can push and nothing else).
    url: process.env.UPSTASH_REDIS_REST_URL!,
    token: process.env.UPSTASH_REDIS_REST_TOKEN!,
    automaticDeserialization: false, // keep job payloads as the exact JSON text
    enableTelemetry: false,
  }),
  // A request the client retries after a lost response cannot push the job twice.
  idempotent: true,
});

export async function POST(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => null)) as { email?: unknown } | null;
  if (typeof body?.email !== "string" || !body.email.includes("@")) {
    return Response.json({ error: "email is required" }, { status: 400 });
  }
  const jid = await client.performAsync(SendWelcome, body.email);
  return Response.json({ jid }, { status: 202 });
}
