/**
 * The Redis keys of a batch (see src/redis/scripts/batch-step.lua, which builds the same names
 * from the key prefix): a hash, the pending members, the failing members, the dead members, the
 * child batches, and the index of every batch scored by its expiry time.
 */
import type { Keys } from "../keys";

export function batchKeys(keys: Keys, bid: string) {
  // edgekiq's own key space, not Sidekiq Pro's `b-<bid>`: the two must never share bookkeeping.
  const b = `${keys.prefix}edgekiq:b-${bid}`;
  return {
    hash: b,
    jids: `${b}-jids`,
    failinfo: `${b}-failinfo`,
    died: `${b}-died`,
    kids: `${b}-kids`,
  };
}

export function batchIndexKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:batches`;
}

/** Sidekiq Pro's default batch lifetime: 30 days. */
export const BATCH_EXPIRY_SECONDS = 30 * 24 * 60 * 60;

/** A new batch id: 10 random bytes, URL-safe base64 (14 characters), as Sidekiq Pro's. */
export function newBid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
