/**
 * The payload a job carries back into its queue ("retry now", "add to queue"), made the way
 * Sidekiq's `SortedEntry#retry` + `Client.push` make it: `retry_count` decremented (so the manual
 * attempt does not use up a retry) and a fresh `enqueued_at`, every other byte kept as stored.
 */
import { formatFloat, isEpochMs } from "../core/clock";
import { JobPayloadError } from "../core/errors";
import { RawJsonObject } from "../core/raw-json";

export interface Requeued {
  queue: string;
  payload: string;
}

export function requeuedPayload(
  stored: string,
  nowMs: number,
  options: { decrementRetryCount: boolean },
): Requeued {
  let obj: RawJsonObject;
  try {
    obj = RawJsonObject.parse(stored);
  } catch (err) {
    const reason = (err as Error).message;
    throw new JobPayloadError(`Cannot enqueue a job whose payload is not JSON: ${reason}`, {
      cause: err,
    });
  }
  const rawQueue = obj.getRaw("queue");
  const queue = rawQueue ? (JSON.parse(rawQueue) as unknown) : "default";
  if (typeof queue !== "string" || queue === "") {
    throw new JobPayloadError(
      `Cannot enqueue job: its "queue" is not a non-empty string (${rawQueue})`,
    );
  }
  if (options.decrementRetryCount) {
    const raw = obj.getRaw("retry_count");
    if (raw !== undefined && /^-?\d+$/.test(raw))
      obj.setRaw("retry_count", String(Number(raw) - 1));
  }
  obj.setRaw("enqueued_at", timestampLike(obj.getRaw("created_at"), nowMs));
  return { queue, payload: obj.toString() };
}

/** A timestamp in the unit the job already uses: Sidekiq 8 integer ms, else float seconds. */
function timestampLike(rawCreatedAt: string | undefined, nowMs: number): string {
  if (rawCreatedAt && /^\d+$/.test(rawCreatedAt) && isEpochMs(Number(rawCreatedAt))) {
    return String(Math.round(nowMs));
  }
  return formatFloat(nowMs / 1000);
}
