/**
 * @module edgekiq/worker — the runtime-agnostic worker engine: Sidekiq-compatible processing
 * with reliable fetch. Imports nothing Node-only; runtime facts come in through `Platform`.
 */
export { ConfigError, EdgekiqError } from "../core/errors";
export { fromIoredis, type IoredisLike } from "../redis/tcp";
export { JobTimeoutError, ShutdownError, UnknownJobError } from "./errors";
export { BLOCK_TIMEOUT_SECONDS, indexMember, ReliableFetch, recoverOrphanLists } from "./fetch";
export {
  DEFAULT_MAX_RETRIES,
  type DeathHandler,
  type RetriesExhaustedHook,
  type RetryInHook,
  type RetryInResult,
  type RetryOutcome,
} from "./job-retry";
export {
  consoleLogger,
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from "./logger";
export type { WorkerOptions } from "./options";
export { type Platform, type SignalName, webPlatform } from "./platform";
export { parseQueues, type QueueConfig, type QueueSpec } from "./queues";
export { enqueueDueJobs, randomPollInterval } from "./scheduled";
export type { RunningJob } from "./slots";
export type {
  ErrorContext,
  ErrorHandler,
  JobContext,
  JobHandler,
  RegisterOptions,
  ServerMiddleware,
} from "./types";
export { Worker, type WorkerState } from "./worker";
export type { WorkerEventMap } from "./worker-events";
