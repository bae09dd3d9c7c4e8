/**
 * Keys of edgekiq's per-queue flow control (issue 16), shared by the worker (which obeys them) and
 * the API (which sets them). Functions, not `Keys` methods, so the edge client never carries them.
 * Ruby Sidekiq processes do not read these keys: they keep fetching from a paused or capped queue.
 */
import type { Keys } from "./keys";

/** The set of paused queue names. */
export function pausedQueuesKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:paused`;
}

/** The hash queue name -> the most jobs of it in progress across every edgekiq process. */
export function queueCapsKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:caps`;
}
