/**
 * `Batch.status(bid)`: a batch's counts and state, read in one round trip (a MULTI of reads).
 * Edge-safe; also what the API's `BatchSet` and the dashboard's Batches tab show.
 */

import type { RedisClient, RedisReply } from "../../redis/types";
import type { Keys } from "../keys";
import { batchKeys } from "./keys";

export interface BatchFailure {
  /** A jid, or `b:<bid>` for a child batch that completed with failures. */
  jid: string;
  error_class: string;
  error_message: string;
  /** True when the job died (it will not be retried by itself). */
  dead: boolean;
}

export interface BatchStatus {
  bid: string;
  description: string | undefined;
  /** Epoch seconds. */
  created_at: number;
  /** Jobs (and child batches) ever added. */
  total: number;
  /** Not yet succeeded. */
  pending: number;
  /** Failures so far, retries included (Sidekiq Pro's `failures`). */
  failures: number;
  /** The members failing now, with their last error. */
  failed: BatchFailure[];
  /** Every pending member ran at least once (the `complete` event fired). */
  complete: boolean;
  /** Every member succeeded (the `success` event fired). */
  success: boolean;
  /** A member died (the `death` event fired). */
  death: boolean;
  parent: string | undefined;
  children: string[];
  /** Epoch seconds when the event fired, if it did. */
  complete_at: number | undefined;
  success_at: number | undefined;
  /** Seconds until the batch's data expires. */
  expires_in: number;
}

export async function batchStatus(
  redis: Pick<RedisClient, "multi">,
  keys: Keys,
  bid: string,
): Promise<BatchStatus | null> {
  const k = batchKeys(keys, bid);
  const [hash, pending, failinfo, died, kids, ttl] = await redis.multi([
    ["hgetall", k.hash],
    ["scard", k.jids],
    ["hgetall", k.failinfo],
    ["smembers", k.died],
    ["smembers", k.kids],
    ["ttl", k.hash],
  ]);
  const h = pairs(hash);
  if (h.created_at === undefined) return null;
  const deadSet = new Set((died as RedisReply[]).map(String));
  const fi = pairs(failinfo);
  const failed: BatchFailure[] = Object.entries(fi).map(([jid, json]) => {
    let e: { error_class?: string; error_message?: string } = {};
    try {
      e = JSON.parse(json) as typeof e;
    } catch {
      // a value we did not write: show it as the message
      e = { error_message: json };
    }
    return {
      jid,
      error_class: String(e.error_class ?? "Error"),
      error_message: String(e.error_message ?? ""),
      dead: deadSet.has(jid),
    };
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    bid,
    description: h.description,
    created_at: Number(h.created_at),
    total: Number(h.total ?? 0),
    pending: Number(pending),
    failures: Number(h.failures ?? 0),
    failed,
    complete: h.complete_at !== undefined,
    success: h.success_at !== undefined,
    death: h.death_at !== undefined,
    parent: h.parent,
    children: (kids as RedisReply[]).map(String).sort(),
    complete_at: num(h.complete_at),
    success_at: num(h.success_at),
    expires_in: Number(ttl),
  };
}

/** A flat `[field, value, ...]` reply (or an object, as some clients answer) as a record. */
function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  } else if (reply && typeof reply === "object") {
    for (const [f, v] of Object.entries(reply)) {
      out[f] = typeof v === "string" ? v : JSON.stringify(v);
    }
  }
  return out;
}
