/**
 * The few error classes edgekiq throws. Each has a literal `name` (so it survives minification
 * and reads well in logs) and passes `cause` through. Control-flow outcomes (retried, dead) are
 * values, not exceptions.
 */

/** Base class: `err instanceof EdgekiqError` catches everything we throw on purpose. */
export class EdgekiqError extends Error {
  override readonly name: string = "EdgekiqError";
}

/** Bad configuration: a missing Redis, a bad queue weight, an unknown option value. */
export class ConfigError extends EdgekiqError {
  override readonly name = "ConfigError";
}

/** Job arguments that are not JSON-native; `path` is where the bad value sits (`args[1].when`). */
export class JobArgumentError extends EdgekiqError {
  override readonly name = "JobArgumentError";
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
