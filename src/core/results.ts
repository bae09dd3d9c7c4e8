/**
 * Job results: what a handler returned (or how it finally failed), stored per jid for the job's
 * `result_ttl` seconds, and the readers `getResult` / `waitFor`. Opt-in per job (`result_ttl` in
 * the definition's options or the pushed item), so a plain job writes nothing extra.
 *
 * The worker writes `edgekiq:result:<jid>` (`{"ok":true,"value":…}` or `{"ok":false,
 * "error_class":…, "error_message":…}`) in the same atomic step that acknowledges the job
 * (batch-step.lua). A retried failure stores nothing: only the final outcome counts.
 *
 * Edge-safe, and in a bundle only when the app imports `waitFor` or `getResult`.
 */
import type { RedisClient } from "../redis/types";
import { EdgekiqError } from "./errors";
import type { Keys } from "./keys";

/** `waitFor` on a job that failed for good; `errorClass` and `message` are the job's own. */
export class JobFailedError extends EdgekiqError {
  override readonly name = "JobFailedError";
  readonly code = "JOB_FAILED";
  constructor(
    readonly jid: string,
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

/** `waitFor` saw no outcome within its timeout (the job may still be queued or running). */
export class WaitTimeoutError extends EdgekiqError {
  override readonly name = "WaitTimeoutError";
  readonly code = "WAIT_TIMEOUT";
  constructor(
    readonly jid: string,
    readonly timeoutSeconds: number,
  ) {
    super(`No result for job ${jid} within ${timeoutSeconds} s`);
  }
}

/** A job's stored outcome. */
export type JobResult =
  | { ok: true; value: unknown }
  | { ok: false; error_class: string; error_message: string };

export function resultKey(keys: Keys, jid: string): string {
  return `${keys.prefix}edgekiq:result:${jid}`;
}

/** The stored outcome of `jid`, or null when there is none (not finished, expired, not opted in). */
export async function readResult(
  redis: Pick<RedisClient, "call">,
  keys: Keys,
  jid: string,
): Promise<JobResult | null> {
  const raw = await redis.call(["get", resultKey(keys, jid)]);
  if (raw === null || raw === undefined) return null;
  return JSON.parse(String(raw)) as JobResult;
}

/** Many jids in one round trip, aligned with `jids` (null where there is none). */
export async function readResults(
  redis: Pick<RedisClient, "call">,
  keys: Keys,
  jids: readonly string[],
): Promise<(JobResult | null)[]> {
  if (jids.length === 0) return [];
  const raw = (await redis.call(["mget", ...jids.map((j) => resultKey(keys, j))])) as unknown[];
  return raw.map((r) =>
    r === null || r === undefined ? null : (JSON.parse(String(r)) as JobResult),
  );
}

export interface WaitForOptions {
  /** Seconds to wait before rejecting with `WaitTimeoutError` (default 30). */
  timeout?: number;
}

/** First and last pause between two reads: doubling from 10 ms to 500 ms, never a tight loop. */
const FIRST_PAUSE_MS = 10;
const MAX_PAUSE_MS = 500;

/** What the readers need of a `Client`: its Redis and its keys. */
export interface ResultSource {
  readonly redis: Pick<RedisClient, "call">;
  readonly keys: Keys;
}

/** The stored outcome of `jid` (see `readResult`), read through a client. */
export function getResult(client: ResultSource, jid: string): Promise<JobResult | null> {
  return readResult(client.redis, client.keys, jid);
}

/**
 * `waitFor(client, jid, { timeout })`: resolves with the value `jid`'s handler returned; rejects with `JobFailedError` when the job
 * failed for good, `WaitTimeoutError` when nothing came in time. Reads with a doubling pause
 * (10 ms up to 500 ms), so it works the same over TCP and REST and costs a waiting process at
 * most two reads a second.
 */
export async function waitFor(
  client: ResultSource,
  jid: string,
  options: WaitForOptions = {},
): Promise<unknown> {
  const { redis, keys } = client;
  const timeout = options.timeout ?? 30;
  const deadline = Date.now() + timeout * 1000;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const result = await readResult(redis, keys, jid);
    if (result) {
      if (result.ok) return result.value;
      throw new JobFailedError(jid, result.error_class, result.error_message);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(jid, timeout);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}
