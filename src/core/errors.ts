/**
 * The errors edgekiq throws on purpose. Each is an `EdgekiqError` with a stable `code` to branch on
 * (`err.code === "CONFIG"`, never the message text), a literal `name` (it survives minification
 * and reads well in logs) and `cause` passed through. The codes of every layer (the worker's and
 * the bridge's included) are listed in `ErrorCode` and in docs/errors.md. Control-flow outcomes
 * (retried, dead) are values, not exceptions. Imports nothing, so every layer can use it.
 */

/** Every code an `EdgekiqError` can carry; a code, once published, keeps its meaning. */
export type ErrorCode =
  | "CONFIG"
  | "ARGUMENT"
  | "MIDDLEWARE"
  | "JOB_ARGUMENT"
  | "JOB_VALIDATION"
  | "JOB_PAYLOAD"
  | "REDIS_REPLY"
  | "UNSUPPORTED"
  | "UNKNOWN_JOB"
  | "JOB_TIMEOUT"
  | "SHUTDOWN"
  | "BRIDGE_REQUEST"
  | "ENCRYPTION"
  | "JOB_FAILED"
  | "WAIT_TIMEOUT"
  | "JOB_RESULT"
  | "OVER_LIMIT";

/** Base class: `err instanceof EdgekiqError` catches everything we throw on purpose. */
export abstract class EdgekiqError extends Error {
  override readonly name: string = "EdgekiqError";
  abstract readonly code: ErrorCode;
}

/**
 * Bad configuration: a missing Redis, a bad queue weight, an unknown option value, a job definition
 * without a name, a CLI flag or file that cannot work. The CLI exits 2 on these.
 */
export class ConfigError extends EdgekiqError {
  override readonly name = "ConfigError";
  readonly code = "CONFIG";
}

/** A method argument out of its range (e.g. `Stats#history(days)` beyond five years). */
export class ArgumentError extends EdgekiqError {
  override readonly name = "ArgumentError";
  readonly code = "ARGUMENT";
}

/** A middleware broke the chain's contract (called `next()` twice). */
export class MiddlewareError extends EdgekiqError {
  override readonly name = "MiddlewareError";
  readonly code = "MIDDLEWARE";
}

/** Job arguments that are not JSON-native; `path` is where the bad value sits (`args[1].when`). */
export class JobArgumentError extends EdgekiqError {
  override readonly name = "JobArgumentError";
  readonly code = "JOB_ARGUMENT";
  constructor(
    message: string,
    readonly jobClass: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** One issue reported by a Standard Schema validator, with its path rendered as `args[0].email`. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Job arguments that fail the job's schema; lists every issue. */
export class JobValidationError extends EdgekiqError {
  override readonly name = "JobValidationError";
  readonly code = "JOB_VALIDATION";
  constructor(
    readonly jobClass: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(
      `Invalid arguments for job "${jobClass}": ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    );
  }
}

/** A payload read from Redis that cannot be a job: not JSON, not an object, no class, bad args. */
export class JobPayloadError extends EdgekiqError {
  override readonly name = "JobPayloadError";
  readonly code = "JOB_PAYLOAD";
}

/**
 * Redis answered with an error. `message` is Redis's own text (`NOSCRIPT No matching script…`);
 * `redisCode` is its first word, Redis's error prefix (`ERR`, `NOSCRIPT`, `WRONGTYPE`, `NOAUTH`…),
 * which is what to branch on. A network failure is not a reply and is passed through as it is.
 */
export class RedisReplyError extends EdgekiqError {
  override readonly name = "RedisReplyError";
  readonly code = "REDIS_REPLY";
  readonly redisCode: string | undefined;
  constructor(
    message: string,
    /** The command that failed (its name only: arguments may hold job data). */
    readonly command?: string,
  ) {
    super(message);
    this.redisCode = /^[A-Z][A-Z0-9_-]*(?= |$)/.exec(message)?.[0];
  }
}

/** An operation this object cannot do, e.g. stopping an embedded Sidekiq process from the API. */
export class UnsupportedError extends EdgekiqError {
  override readonly name = "UnsupportedError";
  readonly code = "UNSUPPORTED";
}

/**
 * Encrypted job arguments that cannot be opened: no key ring, a key id the ring lacks, altered
 * bytes, or a ciphertext moved from another job. The worker sends such a job to the dead set,
 * never to its handler. The message names the job and key id, never key material or plaintext.
 */
export class EncryptionError extends EdgekiqError {
  override readonly name = "EncryptionError";
  readonly code = "ENCRYPTION";
}

/** Turns anything thrown (a string, an object, undefined) into an Error without losing its text. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  const err = new Error(text);
  err.name = "NonErrorThrown";
  return err;
}
