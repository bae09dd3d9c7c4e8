/**
 * Retry and death, exactly as Sidekiq's `job_retry.rb` (wire spec §5), as values rather than
 * exceptions: `planFailure` turns a failed job into the Redis commands that put it in `retry` or
 * `dead` (the caller runs them in the same MULTI as the acknowledgement, so a job leaves the
 * in-progress list only when it is safely somewhere else) and an outcome.
 *
 * 1. `retry`: false/null = no retry (death handlers only, no dead set, as Sidekiq); an integer N =
 *    N retries (0 is "dead on the first failure"); anything else (true, 2.5, 1e308) = the
 *    worker's maxRetries (25), as Ruby's `retry.is_a?(Integer)` decides.
 * 2. Fields: queue (retry_queue or the fetched queue), error_message (first 10,000 characters),
 *    error_class, failed_at (first failure) or retried_at, retry_count, error_backtrace if the job
 *    asks (`backtrace: true | N`), in Sidekiq's encoding.
 * 3. Delay: `count**4 + 15 + rand(10) * (count + 1)` seconds, or the job's `retryIn` hook. The
 *    count stays in Sidekiq's range (never below 0, never past 2^53) and a retry time beyond any
 *    date is death, so no job waits in `retry` at a huge or infinite score.
 * 4. Rewriting never re-serialises: RawJsonObject keeps every untouched byte (big integers, 3.0).
 */
import { encodeBacktrace } from "../core/backtrace";
import {
  formatFloat,
  scoreText,
  type TimestampUnit,
  timestampToMs,
  toTimestamp,
} from "../core/clock";
import { deadCommands } from "../core/dead-set";
import type { JobPayload, RetryOption } from "../core/job";
import type { Keys } from "../core/keys";
import { RawJsonObject } from "../core/raw-json";
import type { RedisCommand } from "../redis/types";

export const DEFAULT_MAX_RETRIES = 25;
/** Sidekiq's `exception_message`: `message[0, 10_000]` (characters, not bytes). */
export const ERROR_MESSAGE_MAX = 10_000;
/** The last second a Date can hold (year 275760): a retry due later than this would never run. */
export const LATEST_RETRY_AT = 8.64e12;

/** What a `retryIn` hook may return: seconds, or Sidekiq 7's symbols. */
export type RetryInResult = number | "kill" | "discard" | "default" | undefined | null;
export type RetryInHook = (count: number, error: Error, payload: JobPayload) => RetryInResult;
/** Called once a job has no retries left; returning "discard" skips the dead set and death handlers. */
export type RetriesExhaustedHook = (payload: JobPayload, error: Error) => unknown;
export type DeathHandler = (payload: JobPayload, error: Error) => void | Promise<void>;

export type RetryOutcome =
  | { kind: "retried"; count: number; at: number }
  | { kind: "dead" }
  | { kind: "discarded" }
  /** `retry: false`: Sidekiq drops the job after the death handlers; so do we. */
  | { kind: "dropped" };

export interface FailureInput {
  /** The exact string fetched from Redis (never the middleware-mutated hash). */
  json: string;
  /** The queue it was fetched from. */
  queue: string;
  error: Error;
  /** The registered definition's `retry` option, used when the payload has none. */
  defaultRetry?: RetryOption;
  retryIn?: RetryInHook;
  retriesExhausted?: RetriesExhaustedHook;
  /** Force death now (bad input that no retry can fix, e.g. a schema failure). */
  kill?: boolean;
}

export interface RetryConfig {
  keys: Keys;
  maxRetries: number;
  timestamps: TimestampUnit;
  /** Sidekiq 6 wrote MIME base64 (a newline every 60 chars); 7 strict base64. */
  sidekiqVersion: 6 | 7;
  deathHandlers: readonly DeathHandler[];
  /** Reports errors of hooks and handlers (Sidekiq's handle_exception). */
  onHookError(error: unknown, context: string, payload: JobPayload): void;
  nowMs?: () => number;
  random?: () => number;
}

export interface FailurePlan {
  outcome: RetryOutcome;
  /** Commands to run atomically together with the acknowledgement. */
  commands: RedisCommand[];
}

export async function planFailure(input: FailureInput, config: RetryConfig): Promise<FailurePlan> {
  const nowMs = (config.nowMs ?? Date.now)();
  const random = config.random ?? Math.random;
  const msg = JSON.parse(input.json) as JobPayload;
  const raw = RawJsonObject.parse(input.json);
  const { error } = input;

  const retry = msg.retry ?? input.defaultRetry ?? true;
  if (!input.kill && (retry === false || retry === null)) {
    await runDeathHandlers(msg, error, config);
    return { outcome: { kind: "dropped" }, commands: [] };
  }
  const max = Number.isSafeInteger(retry) ? (retry as number) : config.maxRetries;

  const queue =
    typeof msg.retry_queue === "string" && msg.retry_queue ? msg.retry_queue : input.queue;
  const message = truncateMessage(error.message);
  const errorClass = errorClassName(error);
  const stamp = toTimestamp(nowMs, config.timestamps);
  const stampText = config.timestamps === "milliseconds" ? String(stamp) : formatFloat(stamp);
  set(raw, msg, "queue", queue);
  set(raw, msg, "error_message", message);
  set(raw, msg, "error_class", errorClass);
  let count: number;
  if (typeof msg.retry_count === "number") {
    raw.setRaw("retried_at", stampText);
    msg.retried_at = stamp;
    // Below 0 only by hand: Sidekiq's "retry now" decrements a count of 0 to -1, which brings
    // the next failure back to 0; anything lower would buy extra retries.
    count = Math.min(Math.max(msg.retry_count + 1, 0), Number.MAX_SAFE_INTEGER);
  } else {
    raw.setRaw("failed_at", stampText);
    msg.failed_at = stamp;
    count = 0;
  }
  set(raw, msg, "retry_count", count);
  if (msg.backtrace !== undefined && msg.backtrace !== false && msg.backtrace !== null) {
    let lines = backtraceLines(error);
    if (typeof msg.backtrace === "number") lines = lines.slice(0, Math.max(0, msg.backtrace));
    set(raw, msg, "error_backtrace", await encodeBacktrace(lines, config.sidekiqVersion));
  }

  let exhausted = input.kill === true || count >= max;
  if (!exhausted && typeof msg.retry_for === "number" && typeof msg.failed_at === "number") {
    const failedMs = timestampToMs(msg.failed_at);
    exhausted = failedMs !== undefined && failedMs + msg.retry_for * 1000 < nowMs;
  }
  const json = raw.toString();

  if (!exhausted) {
    const jitter = Math.floor(random() * 10) * (count + 1);
    let delay = count ** 4 + 15 + jitter;
    if (input.retryIn) {
      let custom: RetryInResult;
      try {
        custom = input.retryIn(count, error, msg);
      } catch (err) {
        config.onHookError(
          err,
          "Failure scheduling retry using retryIn, falling back to default",
          msg,
        );
      }
      if (custom === "discard") return { outcome: { kind: "discarded" }, commands: [] };
      if (custom === "kill") exhausted = true;
      // Ruby: `retry_in(...).to_i`, used only when > 0.
      else if (typeof custom === "number" && Math.trunc(custom) > 0) {
        delay = Math.trunc(custom) + jitter;
      }
    }
    const at = nowMs / 1000 + delay;
    // Later than any date (a forged count, a hook returning Infinity) means never: the job dies
    // now, where a human sees it, instead of waiting in `retry` at a huge or `inf` score.
    if (!exhausted && at <= LATEST_RETRY_AT) {
      return {
        outcome: { kind: "retried", count, at },
        commands: [["zadd", config.keys.retry, scoreText(at), json]],
      };
    }
  }

  if (input.retriesExhausted) {
    try {
      if ((await input.retriesExhausted(msg, error)) === "discard") {
        return { outcome: { kind: "discarded" }, commands: [] };
      }
    } catch (err) {
      config.onHookError(err, "Error calling retriesExhausted", msg);
    }
  }
  const commands = msg.dead === false ? [] : deadCommands(config.keys, json, nowMs);
  await runDeathHandlers(msg, error, config);
  return { outcome: { kind: "dead" }, commands };
}

async function runDeathHandlers(msg: JobPayload, error: Error, config: RetryConfig) {
  for (const handler of config.deathHandlers) {
    try {
      await handler(msg, error);
    } catch (err) {
      config.onHookError(err, "Error calling death handler", msg);
    }
  }
}

function set(raw: RawJsonObject, msg: JobPayload, key: string, value: unknown): void {
  raw.set(key, value);
  msg[key] = value;
}

export function truncateMessage(message: unknown): string {
  const text = typeof message === "string" ? message : String(message ?? "");
  // Cheap check first: a string of at most 10,000 UTF-16 units has at most 10,000 characters.
  if (text.length <= ERROR_MESSAGE_MAX) return text;
  return Array.from(text).slice(0, ERROR_MESSAGE_MAX).join("");
}

/** Ruby's `exception.class.name`: the error's name, or its class's when the name is generic. */
export function errorClassName(error: Error): string {
  const ctor = (error as { constructor?: { name?: string } }).constructor?.name;
  if (error.name === "Error" && ctor && ctor !== "Error") return ctor;
  return error.name || ctor || "Error";
}

/** Stack frames without the "Name: message" header (V8 `at …`; other engines `fn@file:1:2`). */
export function backtraceLines(error: Error): string[] {
  const lines = (error.stack ?? "").split("\n");
  const frames = lines.filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
  if (frames.length > 0) return frames;
  return lines.filter((l) => /@/.test(l)).map((l) => l.trim());
}
