/** The worker's own error classes; job failures use these names as `error_class`. Codes: core/errors. */
import { EdgekiqError } from "../core/errors";

/** A job names a class no handler is registered for (Sidekiq raises NameError here). */
export class UnknownJobError extends EdgekiqError {
  override readonly name = "UnknownJobError";
  readonly code = "UNKNOWN_JOB";
  constructor(readonly jobClass: string) {
    super(
      `No handler registered for job class "${jobClass}" (uninitialized constant ${jobClass}); ` +
        "register it with worker.register()",
    );
  }
}

/** A job ran longer than its `timeoutSeconds`. */
export class JobTimeoutError extends EdgekiqError {
  override readonly name = "JobTimeoutError";
  readonly code = "JOB_TIMEOUT";
  constructor(jobClass: string, seconds: number) {
    super(`Job "${jobClass}" timed out after ${seconds} s`);
  }
}

/** The reason given to `ctx.signal` when a stop's shutdown timeout runs out (Sidekiq::Shutdown). */
export class ShutdownError extends EdgekiqError {
  override readonly name = "ShutdownError";
  readonly code = "SHUTDOWN";
  constructor() {
    super("The worker is shutting down; this job will be requeued");
  }
}

/** A job with `result_ttl` returned a value JSON cannot hold (a BigInt, a cycle). */
export class JobResultError extends EdgekiqError {
  override readonly name = "JobResultError";
  readonly code = "JOB_RESULT";
}
