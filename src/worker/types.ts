/**
 * The worker's public types: handlers, their context, register options, server middleware and
 * error handlers. Field names a user sees in payloads stay Sidekiq's snake_case.
 */
import type { JobDefinition } from "../core/define-job";
import type { JobPayload } from "../core/job";
import type { Middleware } from "../core/middleware";
import type { JobResult } from "../core/results";
import type { RetriesExhaustedHook, RetryInHook } from "./job-retry";
import type { Limiter } from "./limiter";
import type { Logger } from "./logger";

export interface JobContext {
  readonly jid: string;
  /** The queue the job was fetched from. */
  readonly queue: string;
  /** How many times this job failed before this run: 0 on the first run (Sidekiq's `retry_count` + 1). */
  readonly retryCount: number;
  /** The parsed payload (server middleware may have changed it). */
  readonly payload: JobPayload;
  readonly logger: Logger;
  /** Aborted on a per-job timeout and when a stop's `shutdownTimeout` runs out. */
  readonly signal: AbortSignal;
  /** The job's batch id (`payload.bid`), if it belongs to a batch. */
  readonly bid: string | undefined;
  /** Records the job's progress (any JSON value, e.g. a percentage), shown on the Busy page. */
  progress(value: unknown): Promise<void>;
  /** In a flow's parent: the stored results of its children, in the order they were given. */
  childResults(): Promise<(JobResult | null)[]>;
}

export type JobHandler<A = unknown[]> = (args: A, ctx: JobContext) => unknown | Promise<unknown>;

export interface RegisterOptions {
  /** Sidekiq's `sidekiq_retry_in`: seconds to wait, "kill", "discard" or undefined for the default. */
  retryIn?: RetryInHook;
  /** Sidekiq's `sidekiq_retries_exhausted`; returning "discard" keeps the job out of the dead set. */
  retriesExhausted?: RetriesExhaustedHook;
  /** Fails the job (and aborts its signal) after this many seconds. */
  timeoutSeconds?: number;
  /** Limiters the handler runs within (besides the definition's `limits`), in this order. */
  limits?: readonly Limiter[];
  /** Reschedules of an over-limit job before it counts as a failure (default 20). */
  maxReschedules?: number;
  /** Seconds until an over-limit job runs again, by how many times it was rescheduled. */
  overLimitBackoff?: (reschedules: number) => number;
}

export interface Registration {
  readonly className: string;
  readonly definition: JobDefinition<any, any> | undefined;
  readonly handler: JobHandler<any>;
  readonly options: RegisterOptions;
}

/** Server middleware: runs around every job; not calling `next` skips the job (it counts as done). */
export type ServerMiddleware = Middleware<JobPayload, JobContext>;

export interface ErrorContext {
  context: string;
  job?: JobPayload;
  jobstr?: string;
}
/** Sidekiq's error handlers: called for every job failure and every internal error. */
export type ErrorHandler = (error: Error, context: ErrorContext) => void;
