/**
 * JSON as Ruby's `JSON.generate` writes it, for payloads that Ruby identifies by their exact bytes
 * (wire spec §2.5): compact, keys in insertion order, UTF-8 raw, `/` unescaped — all of which
 * `JSON.stringify` already does — plus float timestamps that keep their `.0` (a whole second is
 * written `1795917297.0`, never `1795917297`, which an 8.x reader would take for milliseconds).
 */
import { isEpochMs } from "./clock";

/** Top-level payload fields that hold epoch timestamps. */
export const TIME_FIELDS: ReadonlySet<string> = new Set([
  "created_at",
  "enqueued_at",
  "failed_at",
  "retried_at",
  "discarded_at",
]);

/** Serialises a job payload (a plain object) the way Ruby Sidekiq would. */
export function dumpJob(job: Record<string, unknown>): string {
  // Fast path: native JSON.stringify, unless a timestamp is a whole number of seconds (about one
  // push in a thousand), which must keep its `.0`.
  let wholeSeconds = false;
  for (const field of TIME_FIELDS) {
    const value = job[field];
    if (typeof value === "number" && Number.isInteger(value) && !isEpochMs(value)) {
      wholeSeconds = true;
    }
  }
  if (!wholeSeconds) return JSON.stringify(job);
  let out = "{";
  let first = true;
  for (const key of Object.keys(job)) {
    const value = job[key];
    if (value === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${dumpField(key, value)}`;
    first = false;
  }
  return `${out}}`;
}

function dumpField(key: string, value: unknown): string {
  // A whole number of seconds keeps Ruby's float form; milliseconds stay integers.
  if (
    TIME_FIELDS.has(key) &&
    typeof value === "number" &&
    Number.isInteger(value) &&
    !isEpochMs(value)
  ) {
    return `${value}.0`;
  }
  return JSON.stringify(value);
}
